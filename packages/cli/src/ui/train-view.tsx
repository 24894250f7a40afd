// The live training view: header, progress bar with samples/s and ETA, loss and accuracy
// charts (train and validation per epoch), per-layer update norms and angles to the true
// gradient, rule diagnostics, and the per-epoch summary table.
import asciichart from 'asciichart';
import { Box, Text } from 'ink';
import { fmtDuration, fmtInt, fmtNum, fmtPct, fmtSci, fmtSeconds } from '../format.js';
import { LineChart, ProgressBar, sparkline, Table } from './components.js';
import { etaSeconds, overallProgress, type TrainViewState } from './train-state.js';

const PHASE_TEXT: Record<TrainViewState['phase'], string> = {
  loading: 'loading data…',
  training: 'training',
  stopping: 'stopping after this step…',
  evaluating: 'evaluating on the test set…',
  saving: 'saving…',
  done: 'done',
  diverged: 'diverged: kept the last good checkpoint',
  stopped: 'stopped: saving the last good checkpoint',
  interrupted: 'interrupted (Ctrl-C): no model written',
  failed: 'failed',
};

export interface TrainViewProps {
  state: TrainViewState;
  /** Colour in charts (off for captured frames and tests). */
  color?: boolean;
  width?: number;
  /** Hide the key help (a finished view, or one without keyboard input). */
  keys?: boolean;
}

function Header({ s }: { s: TrainViewState }) {
  const parts = [
    s.rule && `rule ${s.rule}`,
    s.dataset && `${s.dataset}${s.task && s.task !== 'all classes' ? ` ${s.task}` : ''}`,
    s.architecture,
    s.parameters !== undefined && `${fmtInt(s.parameters)} params`,
  ].filter(Boolean);
  const rows = [
    s.trainSize !== undefined && `${fmtInt(s.trainSize)} train`,
    s.validationSize ? `${fmtInt(s.validationSize)} validation` : null,
    s.testSize !== undefined && `${fmtInt(s.testSize)} test`,
    s.backend && `backend ${s.backend}`,
  ].filter(Boolean);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color="cyan">
          plasticity train
        </Text>
        {s.label ? <Text bold>{` [${s.label}]`}</Text> : null}
        <Text>{parts.length ? ` · ${parts.join(' · ')}` : ''}</Text>
      </Text>
      {rows.length ? <Text dimColor>{rows.join(' · ')}</Text> : null}
    </Box>
  );
}

function Progress({ s }: { s: TrainViewState }) {
  const c = s.current;
  const epochFrac = c ? c.batch / Math.max(1, c.batches) : 0;
  const eta = etaSeconds(s);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>
        {`epoch ${c ? c.epoch + 1 : Math.min(s.history.length + 1, s.epochs || 1)}/${s.epochs || '?'}  `}
        <ProgressBar value={epochFrac} width={24} />
        {c ? `  batch ${c.batch}/${c.batches}  ${fmtInt(c.samplesPerSec)} samples/s` : ''}
      </Text>
      <Text>
        {'overall    '}
        <ProgressBar value={overallProgress(s)} width={24} />
        {`  ETA ${fmtDuration(eta)}  `}
        <Text dimColor>{PHASE_TEXT[s.phase]}</Text>
      </Text>
      {c ? (
        <Text>
          {`loss ${fmtNum(c.loss)}  acc ${fmtPct(c.accuracy)}  `}
          <Text color="yellow">{sparkline(s.batchLosses)}</Text>
        </Text>
      ) : null}
    </Box>
  );
}

function Charts({ s, color, width }: { s: TrainViewState; color: boolean; width: number }) {
  const h = s.history;
  const hasVal = h.length > 0 && h.every((e) => e.validation);
  const chartWidth = Math.max(16, Math.min(40, Math.floor((width - 24) / 2)));
  return (
    <Box marginTop={1}>
      <LineChart
        title="loss"
        color={color}
        width={chartWidth}
        height={5}
        series={[
          { name: 'train', values: h.map((e) => e.trainLoss), color: asciichart.yellow },
          { name: 'validation', values: hasVal ? h.map((e) => e.validation!.loss) : [], color: asciichart.cyan },
        ]}
      />
      <LineChart
        title="accuracy"
        color={color}
        width={chartWidth}
        height={5}
        series={[
          { name: 'train', values: h.map((e) => e.trainAccuracy), color: asciichart.yellow },
          { name: 'validation', values: hasVal ? h.map((e) => e.validation!.accuracy) : [], color: asciichart.cyan },
        ]}
      />
    </Box>
  );
}

function Layers({ s }: { s: TrainViewState }) {
  const last = s.history.at(-1);
  if (!last) return null;
  const rows = last.updateNorms.map((n, l) => [`${l}`, fmtSci(n), last.angles ? `${fmtNum(last.angles[l], 1)}°` : '–']);
  const diag = last.diagnostics ? Object.entries(last.diagnostics) : [];
  return (
    <Box marginTop={1}>
      <Box flexDirection="column" marginRight={4}>
        <Text bold>per layer (epoch {last.epoch + 1})</Text>
        <Table headers={['layer', '‖ΔW‖', 'angle to ∇']} rows={rows} />
      </Box>
      {diag.length ? (
        <Box flexDirection="column">
          <Text bold>rule diagnostics</Text>
          {diag.map(([k, v]) => (
            <Text key={k}>{`${k}  ${Array.isArray(v) ? v.map((x) => fmtNum(x, 3)).join(' ') : fmtNum(v, 4)}`}</Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}

export function EpochTable({ s, last }: { s: TrainViewState; last?: number }) {
  if (!s.history.length) return null;
  const shown = last !== undefined ? s.history.slice(-last) : s.history;
  const rows = shown.map((e) => [
    `${e.epoch + 1}`,
    fmtNum(e.trainLoss),
    fmtPct(e.trainAccuracy),
    fmtNum(e.validation?.loss),
    fmtPct(e.validation?.accuracy),
    fmtSeconds(e.seconds),
    fmtInt(e.samplesPerSec),
  ]);
  const hidden = s.history.length - shown.length;
  return (
    <Box flexDirection="column">
      <Table headers={['epoch', 'loss', 'acc', 'val loss', 'val acc', 'time', 'samples/s']} rows={rows} />
      {hidden ? <Text dimColor>{`(${hidden} earlier epochs in model.json)`}</Text> : null}
    </Box>
  );
}

function Summary({ s }: { s: TrainViewState }) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>summary</Text>
      <EpochTable s={s} last={12} />
      {s.test ? (
        <Text>
          {`test accuracy ${fmtPct(s.test.accuracy)}  balanced ${fmtPct(s.test.balancedAccuracy)}  loss ${fmtNum(s.test.loss)}  (${fmtInt(s.test.n)} rows)`}
          {s.trainSeconds !== undefined ? `  trained in ${fmtSeconds(s.trainSeconds)}` : ''}
        </Text>
      ) : null}
      {s.savedTo ? <Text color="green">{`model saved to ${s.savedTo}`}</Text> : null}
    </Box>
  );
}

export function TrainView({ state: s, color = true, width = 100, keys = true }: TrainViewProps) {
  const finished = s.phase === 'done' || s.phase === 'stopped' || s.phase === 'diverged' || s.phase === 'interrupted' || s.phase === 'failed';
  return (
    <Box flexDirection="column">
      <Header s={s} />
      {s.notes.map((n, i) => (
        <Text key={i} color="yellow">{`note: ${n}`}</Text>
      ))}
      <Progress s={s} />
      {s.history.length ? <Charts s={s} color={color} width={width} /> : null}
      <Layers s={s} />
      {s.divergence ? <Text color="red">{`diverged at ${s.divergence}`}</Text> : null}
      {(finished || s.test) && (s.history.length || s.test) ? <Summary s={s} /> : s.history.length ? (
        <Box flexDirection="column" marginTop={1}>
          {/* While training, only the latest epochs: a frame taller than the terminal flickers. */}
          <EpochTable s={s} last={4} />
        </Box>
      ) : null}
      {keys && !finished ? <Text dimColor>q: stop and save the last good checkpoint · Ctrl-C: abort without saving</Text> : null}
    </Box>
  );
}
