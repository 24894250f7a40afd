// The view of attack and comparison runs: one line per trained model, the attack in
// progress, finished attack rows, the gradient-masking checks and the closing table.
import { Box, Text } from 'ink';
import { fmtInt, fmtPct, fmtSeconds } from '../format.js';
import type { CliEvent } from '../output.js';
import { progressBar, Table } from './components.js';

export interface RunLine {
  rule: string;
  seed: number;
  surrogate: boolean;
  epoch: number;
  epochs: number;
  fraction: number;
  samplesPerSec?: number;
  status: 'training' | 'done' | 'stopped' | 'diverged';
  testAccuracy?: number;
  trainSeconds?: number;
}

export interface AttackRowView {
  rule: string;
  seed: number;
  series: string;
  epsilon: number;
  robustAccuracy: number;
  successRate: number;
  meanLinf: number;
  seconds: number;
}

export interface ExperimentState {
  title: string;
  stage: string;
  notes: string[];
  runs: RunLine[];
  attack: { rule: string; seed: number; series: string; epsilon: number; done: number; total: number } | null;
  attackRows: AttackRowView[];
  checks: { name: string; pass: boolean; detail: string }[];
  table?: string;
  finished: boolean;
  aborted?: string;
}

export function initialExperimentState(title = ''): ExperimentState {
  return { title, stage: 'starting', notes: [], runs: [], attack: null, attackRows: [], checks: [], finished: false };
}

const runKey = (r: { rule: string; seed: number; surrogate?: boolean }) => `${r.rule}/${r.seed}/${r.surrogate ? 's' : ''}`;

function updateRun(s: ExperimentState, key: { rule: string; seed: number; surrogate: boolean }, patch: Partial<RunLine>): ExperimentState {
  const k = runKey(key);
  const i = s.runs.findIndex((r) => runKey(r) === k);
  const base: RunLine = i >= 0 ? s.runs[i] : { ...key, epoch: 0, epochs: 0, fraction: 0, status: 'training' };
  const next = { ...base, ...patch };
  const runs = i >= 0 ? s.runs.map((r, j) => (j === i ? next : r)) : [...s.runs, next];
  return { ...s, runs };
}

export function reduceExperiment(s: ExperimentState, e: CliEvent): ExperimentState {
  const tag = { rule: String(e.rule), seed: Number(e.seed), surrogate: Boolean(e.surrogate) };
  switch (e.type) {
    case 'title':
      return { ...s, title: String(e.title) };
    case 'stage':
      return { ...s, stage: String(e.message) };
    case 'note':
      return { ...s, notes: [...s.notes, String(e.message)] };
    case 'start':
      return e.seed === undefined ? s : updateRun(s, tag, { epochs: Number(e.epochs), status: 'training' });
    case 'batch':
      return e.seed === undefined
        ? s
        : updateRun(s, tag, { epoch: Number(e.epoch), fraction: (Number(e.epoch) + Number(e.batch) / Math.max(1, Number(e.batches))) / Math.max(1, s.runs.find((r) => runKey(r) === runKey(tag))?.epochs ?? 1), samplesPerSec: Number(e.samplesPerSec) });
    case 'trained':
      return updateRun(s, tag, {
        status: e.status === 'completed' ? 'done' : (e.status as RunLine['status']),
        fraction: 1,
        testAccuracy: Number(e.testAccuracy),
        trainSeconds: Number(e.trainSeconds),
        epoch: Number(e.epochs),
      });
    case 'attack-progress':
      return { ...s, attack: { rule: String(e.rule), seed: Number(e.seed), series: String(e.series), epsilon: Number(e.epsilon), done: Number(e.done), total: Number(e.total) } };
    case 'attack-done':
      return { ...s, attackRows: [...s.attackRows, e as unknown as AttackRowView] };
    case 'check':
      return { ...s, checks: [...s.checks, { name: String(e.name), pass: Boolean(e.pass), detail: String(e.detail) }] };
    case 'table':
      return { ...s, table: String(e.text) };
    case 'finished':
      return { ...s, finished: true, attack: null, stage: 'done' };
    case 'stopping':
    case 'interrupting':
      return { ...s, aborted: 'stopping: the run is cut short, nothing more will be written' };
    default:
      return s;
  }
}

/** One line per rule (and the transfer surrogate): seeds done, mean test accuracy, the run in progress. */
export function runGroups(runs: readonly RunLine[]): string[][] {
  const groups = new Map<string, RunLine[]>();
  for (const r of runs) {
    const k = `${r.rule}${r.surrogate ? ' (surrogate)' : ''}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.entries()].map(([name, rs]) => {
    const done = rs.filter((r) => r.testAccuracy !== undefined);
    const mean = done.length ? done.reduce((a, r) => a + r.testAccuracy!, 0) / done.length : undefined;
    const cur = rs.find((r) => r.status === 'training');
    const secs = done.length ? done.reduce((a, r) => a + (r.trainSeconds ?? 0), 0) / done.length : undefined;
    return [
      name,
      String(done.length),
      mean !== undefined ? fmtPct(mean) : '–',
      secs !== undefined ? fmtSeconds(secs) : '–',
      cur ? `seed ${cur.seed}: epoch ${cur.epoch + 1}/${cur.epochs || '?'} ${progressBar(cur.fraction, 16)}${cur.samplesPerSec ? `  ${fmtInt(cur.samplesPerSec)} samples/s` : ''}` : rs.some((r) => r.status !== 'done') ? rs.filter((r) => r.status !== 'done').map((r) => `seed ${r.seed} ${r.status}`).join(', ') : '',
    ];
  });
}

function Runs({ runs }: { runs: RunLine[] }) {
  if (!runs.length) return null;
  return <Table headers={['model', 'trained', 'mean test acc', 'mean time', 'now']} rows={runGroups(runs)} align={['left', 'right', 'right', 'right', 'left']} />;
}

export function ExperimentView({ state: s, keys = true }: { state: ExperimentState; keys?: boolean }) {
  const a = s.attack;
  const recent = s.attackRows.slice(-4);
  const failed = s.checks.filter((c) => !c.pass);
  return (
    <Box flexDirection="column">
      <Text bold color="cyan">
        {s.title}
      </Text>
      {s.notes.map((n, i) => (
        <Text key={i} color="yellow">{`note: ${n}`}</Text>
      ))}
      {s.finished ? null : <Text dimColor>{s.stage}</Text>}
      <Box marginTop={1} flexDirection="column">
        <Runs runs={s.runs} />
      </Box>
      {a && !s.finished ? (
        <Box marginTop={1}>
          <Text>{`attack ${a.rule} seed ${a.seed}: ${a.series} ε=${a.epsilon}  ${progressBar(a.done / Math.max(1, a.total), 20)}  (${s.attackRows.length} attacks done)`}</Text>
        </Box>
      ) : null}
      {recent.length && !s.table ? (
        <Box marginTop={1} flexDirection="column">
          <Table
            headers={['model', 'attack', 'ε', 'robust acc', 'success', 'time']}
            rows={recent.map((r) => [`${r.rule} s${r.seed}`, r.series, String(r.epsilon), fmtPct(r.robustAccuracy), fmtPct(r.successRate), fmtSeconds(r.seconds)])}
          />
        </Box>
      ) : null}
      {s.checks.length ? (
        <Box marginTop={1} flexDirection="column">
          <Text color={failed.length ? 'red' : 'green'}>{`gradient-masking checks: ${s.checks.length - failed.length}/${s.checks.length} pass`}</Text>
          {failed.map((c, i) => (
            <Text key={i} color="red">{`FAIL ${c.name}: ${c.detail}`}</Text>
          ))}
        </Box>
      ) : null}
      {s.table ? (
        <Box marginTop={1}>
          <Text>{s.table}</Text>
        </Box>
      ) : null}
      {s.aborted ? <Text color="yellow">{s.aborted}</Text> : null}
      {keys && !s.finished ? <Text dimColor>q or Ctrl-C: abort (no report is written)</Text> : null}
    </Box>
  );
}
