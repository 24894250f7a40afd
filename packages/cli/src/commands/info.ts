// Listing and model-file commands: rules, datasets, inspect, export.
import { listBackends } from '@plasticity/core-wasm';
import { listDatasets, listRules, loadModel, saveTfjs, TFJS_WEIGHTS_FILE, type Model } from '@plasticity/rules';
import { resolve } from 'node:path';
import type { CommandDef } from '../command.js';
import { OUTPUT_FLAGS } from '../flag-tables.js';
import { archString, fmtInt, fmtNum, fmtPct, fmtSeconds, table } from '../format.js';
import { CliError, type FlagSpec } from '../flags.js';
import { userInput } from './train.js';

const JSON_ONLY = OUTPUT_FLAGS.filter((f) => f.key !== 'plain');

export const MODEL_FLAG: FlagSpec = { key: 'model', flag: '--model', arg: '<dir>', type: 'string', required: true, description: 'model directory (model.json + weights.bin) written by `plasticity train`' };

export async function readModel(dir: string): Promise<Model> {
  return userInput(() => loadModel(resolve(dir)));
}

export const rulesCommand: CommandDef = {
  name: 'rules',
  summary: 'list the registered learning rules',
  flags: [{ key: 'verbose', flag: '--verbose', type: 'bool', description: 'also show which signals each update reads and the typed options with defaults' }, ...JSON_ONLY],
  examples: ['plasticity rules', 'plasticity rules --verbose', 'plasticity rules --json'],
  async run({ out, values }) {
    const rules = listRules().map((r) => ({ name: r.name, description: r.description, signals: r.signals, options: r.options.parse({}) as Record<string, unknown>, forward: r.forward ?? 'shared' }));
    if (values.verbose) {
      for (const r of rules) {
        const opts = Object.entries(r.options).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
        out.text(`${r.name}\n  ${r.description}\n  signals: ${r.signals}\n  options: ${opts || '(none)'}\n`);
      }
    } else {
      out.text(table(['rule', 'description'], rules.map((r) => [r.name, r.description]), ['left', 'left']));
    }
    out.emit({ type: 'result', command: 'rules', rules });
  },
};

export const datasetsCommand: CommandDef = {
  name: 'datasets',
  summary: 'list the data sets and where their files come from',
  flags: JSON_ONLY,
  examples: ['plasticity datasets', 'plasticity datasets --json'],
  async run({ out }) {
    const sets = listDatasets();
    const size = (s: (typeof sets)[number]['sizes']) => (!s ? 'any' : s.total !== undefined ? `${fmtInt(s.total)} rows` : `${fmtInt(s.train)} / ${fmtInt(s.test)}`);
    out.text(
      table(
        ['data set', 'train / test', 'input', 'classes', 'needs'],
        sets.map((d) => [d.name === 'csv' ? 'csv:PATH' : d.name, size(d.sizes), d.inputShape ? d.inputShape.join('×') : 'columns', d.classNames ? String(d.classNames.length) : 'from --label', d.requires.filter((r) => r !== 'path').map((r) => (r === 'dataDir' ? '--data-dir' : r === 'label' ? '--label' : r)).join(' ') || '–']),
        ['left', 'right', 'right', 'right', 'left'],
      ),
    );
    for (const d of sets) out.text(`\n${d.name}: ${d.description}\n  source: ${d.source}`);
    out.text(`\nbackends: ${listBackends().map((b) => `${b.name} (${b.description})`).join('; ')}`);
    out.emit({ type: 'result', command: 'datasets', datasets: sets });
  },
};

export function describeModel(dir: string, m: Model): string {
  const a = m.meta.architecture;
  const t = (m.meta.training ?? {}) as Record<string, unknown>;
  const metrics = (m.meta.metrics ?? {}) as Record<string, unknown>;
  const cfg = t;
  const run = (t.run ?? {}) as Record<string, unknown>;
  const opt = (cfg.optimizer ?? {}) as Record<string, unknown>;
  const ds = m.meta.dataset;
  const lines = [
    `model      ${dir}`,
    `format     ${m.meta.format} v${m.meta.version}, written by plasticity ${m.meta.plasticityVersion} at ${m.meta.createdAt}`,
    `network    ${archString(a.inputSize, a.layers)} (${a.layers.map((l) => l.activation).join(', ')})${a.inputTransform ? `, input ${a.inputTransform.kind} inside the model` : ''}`,
    `parameters ${fmtInt(a.layers.reduce((s, l, i) => s + l.size * ((i ? a.layers[i - 1].size : a.inputSize) + 1), 0))}, weights.bin ${fmtInt(m.meta.weights.byteLength)} bytes, sha256 ${m.meta.weights.sha256.slice(0, 16)}…`,
    `rule       ${m.meta.rule.name} ${JSON.stringify(m.meta.rule.options)}`,
  ];
  if (ds) lines.push(`data       ${ds.name}, classes ${ds.classNames.join(', ')}, fingerprint ${ds.fingerprint.slice(0, 16)}…`);
  if (cfg.epochs !== undefined) {
    lines.push(
      `training   ${String(run.status ?? '?')}: ${String(run.epochsCompleted ?? '?')}/${String(cfg.epochs)} epochs, hidden ${JSON.stringify(cfg.hidden)}, batch ${String(cfg.batchSize)}, ${String(opt.kind)} lr ${String(opt.lr)}, seed ${String(cfg.seed)}, ${fmtSeconds(run.trainSeconds as number)} on ${String(run.backend ?? '?')}`,
    );
  }
  if (metrics.testAccuracy !== undefined) {
    lines.push(`test       accuracy ${fmtPct(metrics.testAccuracy as number)}, balanced ${fmtPct(metrics.balancedAccuracy as number)}, loss ${fmtNum(metrics.testLoss as number)} (${fmtInt(metrics.testRows as number)} rows)`);
  }
  if (metrics.validationAccuracy !== undefined) lines.push(`validation accuracy ${fmtPct(metrics.validationAccuracy as number)}`);
  return lines.join('\n');
}

export const inspectCommand: CommandDef = {
  name: 'inspect',
  summary: 'show a model: architecture, rule, data fingerprint, training config, metrics',
  flags: [MODEL_FLAG, ...JSON_ONLY],
  examples: ['plasticity inspect --model runs/fa-01', 'plasticity inspect --model runs/fa-01 --json'],
  async run({ out, values }) {
    const dir = resolve(String(values.model));
    const m = await readModel(dir);
    out.text(describeModel(String(values.model), m));
    out.emit({ type: 'result', command: 'inspect', modelDir: dir, ...m.meta });
  },
};

export const exportCommand: CommandDef = {
  name: 'export',
  summary: 'export a model to another format (TensorFlow.js layers)',
  flags: [
    MODEL_FLAG,
    { key: 'format', flag: '--format', arg: '<name>', type: 'string', default: 'tfjs', choices: ['tfjs'], description: 'target format: tfjs (a layers model for tf.loadLayersModel)' },
    { key: 'out', flag: '--out', arg: '<dir>', type: 'string', required: true, description: 'directory to write (replaced atomically)' },
    ...JSON_ONLY,
  ],
  examples: ['plasticity export --model runs/fa-01 --format tfjs --out runs/fa-01-tfjs'],
  async run({ out, values }) {
    const m = await readModel(String(values.model));
    const dir = resolve(String(values.out));
    if (dir === resolve(String(values.model))) throw new CliError('--out must differ from --model: exporting would replace the model directory');
    await saveTfjs(dir, m);
    out.text(`wrote a TensorFlow.js layers model to ${String(values.out)} (model.json, ${TFJS_WEIGHTS_FILE}); load it with tf.loadLayersModel('file://${dir}/model.json')`);
    out.emit({ type: 'result', command: 'export', format: values.format, dir, files: ['model.json', TFJS_WEIGHTS_FILE] });
  },
};
