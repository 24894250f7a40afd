// Reproduces issue 5's robustness results:
//  1. FGSM on a BP-trained MNIST model (784-64-10, all ten digits) at ε = 0.1 and 0.25, by our
//     attack and independently by tfjs's autodiff on the same model exported to the tfjs format;
//  2. the comparison experiment: two rules (default fa vs bp) on MNIST 0 vs 1, 5 seeds, FGSM and
//     PGD curves, noise, Square, transfer and 'rule'-gradient attacks, paired t-tests and the
//     gradient-masking checks.
// Writes docs/results/robustness-bp/ (atomically, file by file):
//   npm run reproduce -- robustness-bp
//   npm run reproduce -- robustness-bp --rules gupta,bp --out docs/results/robustness-gupta
import { parseArgs } from 'node:util';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBackend, ReferenceBackend, type BackendName } from '@plasticity/core-wasm';
import {
  comparisonMarkdown, loadDataset, modelFromNetwork, sanityChecks, networkFromModel, runAttack, runComparison, train, writeFileAtomic, VERSION,
  type AttackResult, type ComparisonEvent, type ComparisonReport, type ComparisonConfigInput,
} from '@plasticity/rules';
import { tfjsFgsm } from './tfjs-fgsm.js';

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rules: { type: 'string', default: 'fa,bp' },
      seeds: { type: 'string', default: '1,2,3,4,5' },
      hidden: { type: 'string', default: '256,256' },
      epochs: { type: 'string', default: '3' },
      backend: { type: 'string', default: 'auto' },
      'attack-rows': { type: 'string', default: '1000' },
      'pgd-steps': { type: 'string', default: '20' },
      'pgd-restarts': { type: 'string', default: '1' },
      'square-queries': { type: 'string', default: '500' },
      out: { type: 'string', default: 'docs/results/robustness-bp' },
      'skip-check': { type: 'boolean', default: false },
      'skip-comparison': { type: 'boolean', default: false },
      /** Recompute the checks and README from an existing report.json (no training, no attacks). */
      rewrite: { type: 'boolean', default: false },
    },
  });
  if (values.rewrite) {
    await rewrite(values.out!);
    return;
  }
  const out = values.out!;
  const command = `npm run reproduce -- robustness-bp ${argv.join(' ')}`.trim();
  if (!values['skip-check']) await fgsmCheck(out, command);
  if (values['skip-comparison']) {
    await addCheckToReadme(out);
    return;
  }

  const backend = await createBackend(values.backend as BackendName | 'auto');
  const config: ComparisonConfigInput = {
    rules: values.rules!.split(','),
    seeds: values.seeds!.split(',').map(Number),
    dataset: { name: 'mnist', classes: [0, 1] },
    train: { hidden: values.hidden!.split(',').map(Number), activation: 'relu', epochs: Number(values.epochs), batchSize: 64, optimizer: { kind: 'adam', lr: 1e-3 } },
    epsilons: [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3],
    pgd: { steps: Number(values['pgd-steps']), restarts: Number(values['pgd-restarts']) },
    attackRows: Number(values['attack-rows']),
    checkEpsilon: 0.1,
    square: { queries: Number(values['square-queries']), pInit: 0.05 },
  };
  const t0 = Date.now();
  const report = await runComparison(config, { backend, outDir: out, command, onEvent: logEvent });
  console.log(`done in ${((Date.now() - t0) / 60000).toFixed(1)} min; ${out}/README.md`);
  for (const c of report.comparison.checks) console.log(`${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
  await addCheckToReadme(out);
}

/** Recomputes the sanity checks and the README of an existing comparison (plots and grids stay). */
async function rewrite(out: string): Promise<void> {
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as ComparisonReport;
  const cfg = report.comparison.config;
  const { lo, hi } = report.dataset.featureRange;
  report.comparison.checks = sanityChecks(report.rows, cfg, cfg.largeEpsilon ?? hi - lo);
  await writeFileAtomic(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const files = (await readdir(out)).filter((f) => !f.includes('.tmp-')).sort();
  await writeFileAtomic(join(out, 'README.md'), comparisonMarkdown(report, files));
  await addCheckToReadme(out);
  for (const c of report.comparison.checks) console.log(`${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
}

const CHECK_HEADING = '## FGSM cross-check against TensorFlow.js autodiff';

/** Adds (or replaces) the FGSM cross-check section of the README, when both files exist. */
async function addCheckToReadme(out: string): Promise<void> {
  let readme: string;
  let check: { command: string; model: { architecture: string; trainRows: number }; dataset: { n: number }; cleanAccuracy: { ours: number; tfjs: number }; rows: { epsilon: number; ours: number; tfjs: number }[]; maxAbsDifferencePoints: number };
  try {
    readme = await readFile(join(out, 'README.md'), 'utf8');
    check = JSON.parse(await readFile(join(out, 'fgsm-tfjs-check.json'), 'utf8'));
  } catch {
    return;
  }
  const at = readme.indexOf(CHECK_HEADING);
  const base = (at >= 0 ? readme.slice(0, at) : readme).trimEnd();
  const p = (v: number) => `${(100 * v).toFixed(2)}%`;
  const section = [
    CHECK_HEADING,
    '',
    `\`fgsm-tfjs-check.json\`, by \`${check.command}\`: one BP model (${check.model.architecture}, trained 1 epoch on ${check.model.trainRows} MNIST images), ` +
      `attacked on the ${check.dataset.n} MNIST test images by our FGSM (exact backprop, float64 reference backend) and by FGSM computed with \`tf.grad\` on the model exported to the tfjs layers format (tfjs CPU backend, float32).`,
    '',
    `Clean accuracy: ours ${p(check.cleanAccuracy.ours)}, tfjs ${p(check.cleanAccuracy.tfjs)}. Largest difference: ${check.maxAbsDifferencePoints.toFixed(2)} points.`,
    '',
    '| ε | ours | tfjs |',
    '| --- | --- | --- |',
    ...check.rows.map((r) => `| ${r.epsilon} | ${p(r.ours)} | ${p(r.tfjs)} |`),
    '',
  ].join('\n');
  await writeFileAtomic(join(out, 'README.md'), `${base}\n\n${section}`);
}

let lastProgress = 0;
function logEvent(e: ComparisonEvent): void {
  if (e.type === 'stage') console.log(`[${e.stage}] ${e.message}`);
  else if (e.type === 'trained') {
    console.log(`trained ${e.run.rule} seed ${e.run.seed}${e.run.surrogate ? ' (surrogate)' : ''}: test accuracy ${(100 * e.run.testAccuracy).toFixed(2)}% in ${e.run.trainSeconds.toFixed(1)} s`);
  } else if (e.type === 'attack' && e.event.type === 'attack-done') {
    const r = e.event.row;
    console.log(`  ${r.rule}/${r.seed} ${r.series.padEnd(14)} ε=${r.epsilon.toFixed(2)}: robust ${(100 * r.robustAccuracy).toFixed(1)}% (${r.seconds.toFixed(1)} s)`);
  } else if (e.type === 'attack' && e.event.type === 'attack-progress' && Date.now() - lastProgress > 10000) {
    lastProgress = Date.now();
    const p = e.event;
    console.log(`  … ${p.rule}/${p.seed} ${p.series} ε=${p.epsilon}: ${p.done}/${p.total}`);
  }
}

/** Our FGSM against tfjs autodiff on the same BP MNIST model; writes fgsm-tfjs-check.json. */
async function fgsmCheck(out: string, command: string): Promise<void> {
  const be = new ReferenceBackend();
  const data = await loadDataset({ name: 'mnist', perClassCap: 500, seed: 1 });
  const cfg = { rule: 'bp', hidden: [64], activation: 'relu' as const, epochs: 1, batchSize: 32, seed: 1, optimizer: { kind: 'adam' as const, lr: 2e-3 } };
  const r = await train(cfg, { train: data.train }, { backend: be });
  const model = modelFromNetwork(r.net, { rule: { name: 'bp', options: {} }, training: cfg });
  const net = networkFromModel(be, model);
  const epsilons = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3];
  const ours: AttackResult[] = [];
  for (const epsilon of epsilons) ours.push(await runAttack({ net }, data.test, { attack: 'fgsm', epsilon }));
  const theirs = await tfjsFgsm(model, data.test.x, data.test.y, data.test.n, epsilons);
  const rows = epsilons.map((epsilon, i) => ({
    epsilon,
    ours: ours[i].robustAccuracy,
    tfjs: theirs.robust[i],
    differencePoints: 100 * (ours[i].robustAccuracy - theirs.robust[i]),
  }));
  const result = {
    what: 'FGSM robust accuracy of one BP MNIST model: Plasticity (exact backprop, float64 reference backend) vs TensorFlow.js tf.grad on the exported model (tfjs CPU backend, float32)',
    version: VERSION,
    command,
    createdAt: new Date().toISOString(),
    model: { architecture: '784-64-10 relu/softmax', training: cfg, trainRows: data.train.n },
    dataset: { name: 'mnist', split: 'test', n: data.test.n, fingerprint: data.test.fingerprint },
    cleanAccuracy: { ours: ours[0].cleanAccuracy, tfjs: theirs.clean },
    rows,
    maxAbsDifferencePoints: Math.max(...rows.map((x) => Math.abs(x.differencePoints))),
  };
  await writeFileAtomic(join(out, 'fgsm-tfjs-check.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`FGSM check on ${data.test.n} MNIST test images (clean ${(100 * theirs.clean).toFixed(2)}%):`);
  for (const x of rows) console.log(`  ε=${x.epsilon}: ours ${(100 * x.ours).toFixed(2)}%  tfjs ${(100 * x.tfjs).toFixed(2)}%`);
  r.net.dispose();
}
