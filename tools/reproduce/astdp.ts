// Reproduces issue 9's aSTDP results on MNIST (784-500-10):
//  train     the rule on the 60 000 training images; test accuracy through its own relaxation;
//  relax     steps to converge, plain relaxation (Euler, α = 0.5) against derivative targets,
//            one test image at a time, and whether both reach the same fixed point;
//  generate  16 images per clamped label, classified by an independently trained bp model;
//            the image grid as a PNG;
//  fgsm      robust accuracy under FGSM (exact backprop through the forward pass, and the
//            gradient through the relaxation) and PGD, beside a bp 784-500-10 model;
//  compare   (not run by default) the attacks module's paired comparison, astdp vs bp on MNIST
//            0 vs 1 over seeds, with one training config both rules accept.
// Writes docs/results/astdp.json (merged by stage), docs/results/astdp.md and PNGs, atomically:
//   npm run reproduce -- astdp                        # every stage
//   npm run reproduce -- astdp --stages relax,generate --model .tmp/astdp-mnist
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { createBackend, type Backend, type BackendName } from '@plasticity/core-wasm';
import {
  accuracySpec, evaluate, generate, imageGridPng, loadDataset, loadModel, modelFromTraining, predictRows, renderSvg, restoreModel,
  robustnessReport, runComparison, saveModel, svgToPng, train, writeFileAtomic, VERSION,
  type AstdpState, type AttackModel, type AttackPlan, type Dataset, type RestoredModel, type TrainConfigInput,
} from '@plasticity/rules';

let OUT = 'docs/results';
const OUT_JSON = () => `${OUT}/astdp.json`;
const OUT_MD = () => `${OUT}/astdp.md`;
const GRID_PNG = () => `${OUT}/astdp-generated.png`;
const CURVE_PNG = () => `${OUT}/astdp-robustness.png`;

type Results = Record<string, unknown> & { version?: string };

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stages: { type: 'string', default: 'train,relax,generate,fgsm' },
      epochs: { type: 'string', default: '14' },
      seed: { type: 'string', default: '1' },
      lr: { type: 'string', default: '0.1' },
      hidden: { type: 'string', default: '500' },
      'rule-options': { type: 'string', default: '{}' },
      backend: { type: 'string', default: 'auto' },
      model: { type: 'string', default: '.tmp/astdp-mnist' },
      'judge-model': { type: 'string', default: '.tmp/astdp-judge-bp' },
      'bp-model': { type: 'string', default: '.tmp/astdp-bp-784-500-10' },
      'relax-rows': { type: 'string', default: '200' },
      'attack-rows': { type: 'string', default: '1000' },
      count: { type: 'string', default: '16' },
      'per-class-cap': { type: 'string' },
      'compare-seeds': { type: 'string', default: '1,2,3' },
      'compare-epochs': { type: 'string', default: '2' },
      out: { type: 'string', default: 'docs/results' },
    },
  });
  OUT = values.out!;
  const stages = new Set(values.stages!.split(','));
  const backend = await createBackend(values.backend as BackendName | 'auto');
  const data = await loadDataset({ name: 'mnist', ...(values['per-class-cap'] ? { perClassCap: Number(values['per-class-cap']) } : {}) });
  const command = `npm run reproduce -- astdp ${argv.join(' ')}`.trim();
  const results = await readResults();
  results.version = VERSION;
  results.machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, backend: `${backend.name}/${backend.build}` };
  const seed = Number(values.seed);
  const log = (s: string) => console.log(`[astdp ${new Date().toISOString().slice(11, 19)} load ${loadavg()[0].toFixed(1)}] ${s}`);

  if (stages.has('train')) {
    const config: TrainConfigInput = {
      rule: 'astdp', hidden: values.hidden!.split(',').map(Number), activation: 'relu', output: 'linear', loss: 'mse',
      epochs: Number(values.epochs), batchSize: 20, seed,
      optimizer: { kind: 'sgd', lr: Number(values.lr), schedule: { kind: 'cosine', minLr: 0 } },
      ruleOptions: JSON.parse(values['rule-options']!) as Record<string, unknown>,
    };
    log(`training ${JSON.stringify(config)}`);
    const r = await train(config, { train: data.train, validation: data.test }, {
      backend,
      onEvent: (e) => {
        if (e.type === 'batch' && e.batch % 500 === 0) log(`epoch ${e.epoch + 1} batch ${e.batch}/${e.batches}: loss ${e.loss.toFixed(4)} acc ${pct(e.accuracy)}, ${e.samplesPerSec.toFixed(0)} rows/s`);
        if (e.type === 'epoch') {
          log(`epoch ${e.epoch + 1}/${e.epochs}: train loss ${e.trainLoss.toFixed(4)} acc ${pct(e.trainAccuracy)}, test acc ${pct(e.validation!.accuracy)}, ` +
            `${e.seconds.toFixed(0)} s, steps ${JSON.stringify(e.diagnostics)}`);
        }
      },
    });
    const test = evaluate(r.net, data.test, { inference: { rule: r.rule, state: r.ruleState, options: r.ruleOptions } });
    await saveModel(values.model!, modelFromTraining(r, { dataset: undefined, metrics: { testAccuracy: test.accuracy } }));
    results.train = {
      command, config, status: r.status, epochs: r.history.length, testAccuracy: test.accuracy, testError: 1 - test.accuracy,
      perEpoch: r.history.map((h) => ({ epoch: h.epoch + 1, lr: h.lr, trainLoss: h.trainLoss, trainAccuracy: h.trainAccuracy, testAccuracy: h.validation?.accuracy, seconds: h.seconds, steps: h.diagnostics })),
      secondsPerEpoch: r.trainSeconds / Math.max(1, r.history.length), modelDir: values.model, date: new Date().toISOString(),
    };
    log(`test accuracy ${pct(test.accuracy)}; model in ${values.model}`);
    r.net.dispose();
    await writeResults(results);
  }

  const model = stages.has('relax') || stages.has('generate') || stages.has('fgsm') ? restoreModel(backend, await loadModel(values.model!)) : null;

  if (stages.has('relax') && model) {
    results.relax = { command, ...relaxationSteps(backend, model, data.test, Number(values['relax-rows'])) };
    log(`relaxation: ${JSON.stringify(results.relax)}`);
    await writeResults(results);
  }

  if (stages.has('generate') && model) {
    const judge = await bpModel(backend, values['judge-model']!, data, { hidden: [256, 256], epochs: 3, seed: 1001 }, log);
    const count = Number(values.count);
    // First the way the model dreamt in training (its dreamInit), then the other starts.
    const dreamInit = (model.inference.options as { dreamInit: 'zero' | 'noise' }).dreamInit;
    const settings = [
      { name: dreamInit === 'zero' ? 'blank start, no noise (as trained)' : 'noise start, no noise (as trained)', init: dreamInit, noise: 0 },
      { name: 'noise start, annealed noise σ = 0.3', init: 'noise' as const, noise: 0.3 },
      ...(dreamInit === 'noise' ? [{ name: 'blank start, no noise', init: 'zero' as const, noise: 0 }] : []),
    ];
    const rows = [];
    const grid: Float32Array[] = [];
    let steps = 0;
    for (const s of settings) {
      const perClass = [];
      for (let c = 0; c < 10; c++) {
        const g = generate(model, { label: c, count, seed: 100 + c, init: s.init, noise: s.noise });
        steps = g.steps;
        const byJudge = predictRows(judge.model, g.images, count);
        const bySelf = predictRows({ net: model.net, inference: model.inference }, g.images, count);
        const hits = byJudge.filter((p) => p === c).length;
        perClass.push({ label: c, judgeCorrect: hits / count, selfCorrect: bySelf.filter((p) => p === c).length / count, judgePredictions: [...byJudge] });
        if (s === settings[0] ? dreamInit === 'noise' : s.noise > 0 && dreamInit === 'zero') grid.push(g.images.slice(0, 8 * 784));
      }
      const classesRecognised = perClass.filter((p) => p.judgeCorrect >= 0.5).length;
      rows.push({ setting: s.name, init: s.init, noise: s.noise, steps, classesRecognised, meanJudgeAccuracy: perClass.reduce((a, p) => a + p.judgeCorrect, 0) / 10, perClass });
      log(`generation (${s.name}): ${classesRecognised}/10 classes recognised by the bp judge; per class ${perClass.map((p) => p.judgeCorrect.toFixed(2)).join(' ')}`);
    }
    // How the generated image depends on how long it relaxes and on the label neuron's rate:
    // blank start, no noise, one image per label (deterministic), judged by bp.
    const gain0 = (model.inference.options as { labelGain: number }).labelGain;
    const horizons = [];
    for (const gain of [1, gain0, 2 * gain0].filter((v, i, a) => a.indexOf(v) === i)) {
      for (const hSteps of [steps, 100, 300]) {
        let recognised = 0;
        for (let c = 0; c < 10; c++) {
          const g = generate(model, { label: c, count: 1, steps: hSteps, gain, init: dreamInit, seed: 7 });
          if (predictRows(judge.model, g.images, 1)[0] === c) recognised++;
        }
        horizons.push({ gain, steps: hSteps, recognised });
      }
    }
    log(`generation by steps and label gain: ${JSON.stringify(horizons)}`);
    const all = new Float32Array(grid.reduce((a, g) => a + g.length, 0));
    grid.reduce((o, g) => (all.set(g, o), o + g.length), 0);
    await writeFileAtomic(GRID_PNG(), await imageGridPng(all, { cols: 8, zoom: 3 }));
    results.generate = { command, judge: { config: judge.config, testAccuracy: judge.testAccuracy }, count, grid: GRID_PNG(), rows, horizons };
    await writeResults(results);
  }

  if (stages.has('fgsm') && model) {
    const bp = await bpModel(backend, values['bp-model']!, data, { hidden: [500], epochs: 5, seed }, log);
    const n = Number(values['attack-rows']);
    const test = { ...data.test, n, x: data.test.x.subarray(0, n * data.test.d), y: data.test.y.subarray(0, n), sourceIndex: data.test.sourceIndex.subarray(0, n) };
    const eps = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];
    const plans: AttackPlan[] = [
      { config: { attack: 'fgsm' }, epsilons: eps },
      { config: { attack: 'pgd', steps: 20, restarts: 1, seed: 1 }, epsilons: eps },
      { config: { attack: 'fgsm' }, epsilons: eps, gradient: 'rule', rules: ['astdp'] },
      { config: { attack: 'pgd', steps: 20, restarts: 1, seed: 1 }, epsilons: eps, gradient: 'rule', rules: ['astdp'] },
      // Crafted on the bp model and applied to aSTDP: a check that the white-box numbers are not gradient masking.
      { config: { attack: 'fgsm' }, epsilons: eps, gradient: 'transfer', rules: ['astdp'] },
      { config: { attack: 'pgd', steps: 20, restarts: 1, seed: 1 }, epsilons: eps, gradient: 'transfer', rules: ['astdp'] },
    ];
    const astdpModel: AttackModel = { net: model.net, loss: 'mse', inference: model.inference };
    log(`attacking astdp and bp on ${n} test rows`);
    const report = await robustnessReport([{ rule: 'astdp', seed, model: astdpModel, surrogate: bp.model }, { rule: 'bp', seed, model: bp.model }], test, plans, {
      command,
      onEvent: (e) => {
        if (e.type === 'attack-done') log(`${e.row.rule} ${e.row.series} ε=${e.row.epsilon}: robust accuracy ${pct(e.row.robustAccuracy)}`);
      },
    });
    const png = await svgToPng(await renderSvg(accuracySpec(report.summary, { title: 'MNIST 784-500-10: aSTDP vs bp, one seed' })));
    await writeFileAtomic(CURVE_PNG(), png);
    results.fgsm = {
      command, rows: n, bp: { config: bp.config, testAccuracy: bp.testAccuracy }, plot: CURVE_PNG(),
      curves: report.rows.map((r) => ({ rule: r.rule, series: r.series, epsilon: r.epsilon, cleanAccuracy: r.cleanAccuracy, robustAccuracy: r.robustAccuracy })),
    };
    await writeResults(results);
  }
  if (stages.has('compare')) {
    // The attacks module's paired comparison (runComparison): both rules share one training
    // config, so it is one both can train with (linear output, MSE, plain SGD), on MNIST 0 vs 1.
    const outDir = `${OUT}/astdp-comparison`;
    const report = await runComparison(
      {
        rules: ['astdp', 'bp'],
        seeds: values['compare-seeds']!.split(',').map(Number),
        dataset: { name: 'mnist', classes: [0, 1], ...(values['per-class-cap'] ? { perClassCap: Number(values['per-class-cap']) } : {}) },
        train: { hidden: [500], activation: 'relu', output: 'linear', loss: 'mse', epochs: Number(values['compare-epochs']), batchSize: 20, optimizer: { kind: 'sgd', lr: 0.1 } },
        ruleOptions: { astdp: JSON.parse(values['rule-options']!) as Record<string, unknown> },
        attackRows: Number(values['attack-rows']),
      },
      {
        backend, outDir, command,
        onEvent: (e) => {
          if (e.type === 'trained') log(`trained ${e.run.rule} seed ${e.run.seed}${e.run.surrogate ? ' (surrogate)' : ''}: test ${pct(e.run.testAccuracy)}`);
          if (e.type === 'check') log(`${e.check.pass ? 'PASS' : 'FAIL'} ${e.check.name}: ${e.check.detail}`);
        },
      },
    );
    results.compare = {
      command, outDir, seeds: report.comparison.config.seeds, training: report.comparison.training,
      tests: report.comparison.tests.filter((t) => t.series === 'clean' || t.series === 'fgsm' || t.series === 'pgd'),
      checks: report.comparison.checks,
    };
    await writeResults(results);
  }
  log('done');
}

/** Per-image steps to converge from a blank start, Euler (α = 0.5) vs derivative targets, and the fixed points they reach. */
function relaxationSteps(be: Backend, model: RestoredModel, test: Dataset, rows: number) {
  const state = model.inference.state as AstdpState;
  const sym = state.sym;
  const tol = 1e-5;
  const buf = sym.buffersFor(1);
  const runs = { euler: [] as number[], target: [] as number[] };
  let sameFixedPoint = 0;
  let samePrediction = 0;
  let maxDiff = 0;
  let unconverged = 0;
  for (let i = 0; i < rows; i++) {
    const x = test.x.subarray(i * test.d, (i + 1) * test.d);
    const end: Record<string, number[]> = {};
    const drive: Record<string, number[]> = {};
    for (const relaxation of ['euler', 'target'] as const) {
      be.write(buf.s[0], x);
      for (let k = 1; k <= sym.L; k++) be.fill(buf.s[k], 0);
      const r = sym.relax(buf, { relaxation, alpha: 0.5, steps: 5000, tol, inputFree: false, top: 'free' });
      if (!r.converged) unconverged++;
      runs[relaxation].push(r.steps);
      // Then on to a much tighter tolerance, so the two end states compared are the fixed points themselves.
      sym.relax(buf, { relaxation, alpha: 0.5, steps: 20000, tol: 1e-9, inputFree: false, top: 'free' });
      end[relaxation] = buf.s.slice(1).flatMap((t) => [...be.read(t)]);
      sym.netInput(buf, sym.L, true);
      drive[relaxation] = [...be.read(buf.u[sym.L])];
    }
    const d = end.euler.reduce((m, v, j) => Math.max(m, Math.abs(v - end.target[j])), 0);
    maxDiff = Math.max(maxDiff, d);
    if (d < 1e-3) sameFixedPoint++;
    // The prediction is the output drive (see infer), which breaks ties between saturated rates.
    const am = (v: number[]) => v.indexOf(Math.max(...v));
    if (am(drive.euler) === am(drive.target)) samePrediction++;
  }
  const stats = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return { mean: v.reduce((a, b) => a + b, 0) / v.length, min: s[0], median: s[Math.floor(s.length / 2)], p90: s[Math.floor(0.9 * (s.length - 1))], max: s[s.length - 1] };
  };
  const euler = stats(runs.euler);
  const target = stats(runs.target);
  return {
    rows, tol: `RMS change per neuron ≤ ${tol}`, euler, target,
    meanSpeedup: euler.mean / target.mean, perImageSpeedup: stats(runs.euler.map((e, i) => e / runs.target[i])),
    sameFixedPoint: sameFixedPoint / rows, samePrediction: samePrediction / rows, maxStateDifference: maxDiff, unconverged,
  };
}

async function bpModel(be: Backend, dir: string, data: { train: Dataset; test: Dataset }, o: { hidden: number[]; epochs: number; seed: number }, log: (s: string) => void) {
  const config: TrainConfigInput = { rule: 'bp', hidden: o.hidden, activation: 'relu', output: 'softmax', loss: 'cross-entropy', epochs: o.epochs, batchSize: 128, seed: o.seed, optimizer: { kind: 'adam', lr: 1e-3 } };
  let restored: RestoredModel;
  try {
    restored = restoreModel(be, await loadModel(dir));
    log(`bp model from ${dir}`);
  } catch {
    log(`training bp ${JSON.stringify(config)}`);
    const r = await train(config, { train: data.train }, { backend: be });
    await saveModel(dir, modelFromTraining(r, {}));
    restored = restoreModel(be, await loadModel(dir));
  }
  const testAccuracy = evaluate(restored.net, data.test, { inference: restored.inference }).accuracy;
  log(`bp ${o.hidden.join('-')}: test accuracy ${pct(testAccuracy)}`);
  return { model: { net: restored.net, loss: 'cross-entropy' as const, inference: restored.inference }, config, testAccuracy };
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

async function readResults(): Promise<Results> {
  try {
    return JSON.parse(await readFile(OUT_JSON(), 'utf8')) as Results;
  } catch {
    return {};
  }
}

async function writeResults(r: Results): Promise<void> {
  await writeFileAtomic(OUT_JSON(), `${JSON.stringify(r, null, 2)}\n`);
  await writeFileAtomic(OUT_MD(), markdown(r));
}

function markdown(r: Results): string {
  const t = r.train as { config: TrainConfigInput; testAccuracy: number; epochs: number; secondsPerEpoch: number; command: string; perEpoch: { epoch: number; testAccuracy: number }[] } | undefined;
  const x = r.relax as ReturnType<typeof relaxationSteps> & { command: string } | undefined;
  const g = r.generate as { horizons?: { gain: number; steps: number; recognised: number }[]; judge: { testAccuracy: number }; count: number; rows: { setting: string; steps: number; classesRecognised: number; meanJudgeAccuracy: number; perClass: { label: number; judgeCorrect: number; selfCorrect: number }[] }[]; command: string } | undefined;
  const f = r.fgsm as { rows: number; bp: { testAccuracy: number }; curves: { rule: string; series: string; epsilon: number; robustAccuracy: number }[]; command: string } | undefined;
  const m = r.machine as { cpus: number; model: string; node: string; backend: string };
  const lines = ['# aSTDP on MNIST (784-500-10)', '', 'Written by `tools/reproduce/astdp.ts`; the rule is described in [docs/rules/astdp.md](../rules/astdp.md).', ''];
  const targets: string[] = [];
  if (t) targets.push(`- test accuracy ≥ 97% (the level of equilibrium propagation / CHL nets of this size; the paper's own figure was not found): **${pct(t.testAccuracy)}**, ${t.testAccuracy >= 0.97 ? 'met' : 'not met'}`);
  if (g) {
    const best = g.rows[0];
    targets.push(`- generated digits recognised by an independent bp model for ≥ 8 of 10 clamped labels: **${best.classesRecognised}/10** (${best.setting}), ${best.classesRecognised >= 8 ? 'met' : 'not met'}`);
  }
  if (x) targets.push(`- derivative targets reach the same fixed point in ≥ 2× fewer steps: **${x.meanSpeedup.toFixed(2)}×** fewer on average, same fixed point for ${pct(x.sameFixedPoint)} of the images, ${x.meanSpeedup >= 2 ? 'met' : 'not met'}`);
  if (targets.length) lines.push('## Targets', '', ...targets, '');
  if (t) {
    lines.push('## Classification', '', `Command: \`${t.command}\``, '',
      `Test accuracy **${pct(t.testAccuracy)}** after ${t.epochs} epochs (${t.secondsPerEpoch.toFixed(0)} s/epoch), prediction through the model's own relaxation.`, '',
      `Config: \`${JSON.stringify(t.config)}\``, '', '| epoch | test accuracy |', '| --- | --- |', ...t.perEpoch.map((e) => `| ${e.epoch} | ${pct(e.testAccuracy)} |`), '');
  }
  if (x) {
    lines.push('## Relaxation steps: plain vs derivative targets', '', `Command: \`${x.command}\``, '',
      `${x.rows} test images one at a time, from a blank state, until the ${x.tol}; then both run on to an RMS change ≤ 1e-9 and their end states are compared.`, '',
      '| relaxation | mean | median | p90 | max |', '| --- | --- | --- | --- | --- |',
      `| plain (Euler, α = 0.5) | ${x.euler.mean.toFixed(1)} | ${x.euler.median} | ${x.euler.p90} | ${x.euler.max} |`,
      `| derivative targets | ${x.target.mean.toFixed(1)} | ${x.target.median} | ${x.target.p90} | ${x.target.max} |`, '',
      `Speed-up ${x.meanSpeedup.toFixed(2)}× in mean steps (per image: median ${x.perImageSpeedup.median.toFixed(2)}×, smallest ${x.perImageSpeedup.min.toFixed(2)}×). ` +
        `Same fixed point (max |Δs| < 1e-3) for ${pct(x.sameFixedPoint)} of the images, same prediction for ${pct(x.samePrediction)}; largest state difference ${x.maxStateDifference.toExponential(2)}; ${x.unconverged} runs did not converge in 5000 steps.`, '');
  }
  if (g) {
    lines.push('## Generation', '', `Command: \`${g.command}\``, '',
      `Clamp a label, leave the input free, relax (${g.rows[0]?.steps} steps, the model's dream length); ${g.count} images per label, classified by an independently trained bp 784-256-256-10 (test accuracy ${pct(g.judge.testAccuracy)}). A label counts as recognised when at least half its images are classified as it.`, '',
      '| setting | labels recognised | mean accuracy of the judge | per label (0–9) |', '| --- | --- | --- | --- |',
      ...g.rows.map((s) => `| ${s.setting} | **${s.classesRecognised}/10** | ${pct(s.meanJudgeAccuracy)} | ${s.perClass.map((p) => p.judgeCorrect.toFixed(2)).join(' ')} |`), '',
      `![generated digits, one row per clamped label](astdp-generated.png)`, '');
    if (g.horizons) {
      lines.push('Labels recognised (one image per label, started as the model dreamt, no noise) by relaxation length and the clamped label neuron\'s rate γ (the model trained with its own γ):', '',
        '| γ | steps | labels recognised |', '| --- | --- | --- |', ...g.horizons.map((h) => `| ${h.gain} | ${h.steps} | ${h.recognised}/10 |`), '');
    }
  }
  if (f) {
    const series = [...new Set(f.curves.map((c) => `${c.rule}|${c.series}`))];
    const eps = [...new Set(f.curves.map((c) => c.epsilon))].sort((a, b) => a - b);
    lines.push('## Robustness beside bp', '', `Command: \`${f.command}\``, '',
      `First ${f.rows} test images, one seed. bp 784-500-10 (ReLU, softmax, Adam, 5 epochs): test accuracy ${pct(f.bp.testAccuracy)}. ` +
        "'fgsm'/'pgd' use exact backprop through each network's feed-forward pass; '…/rule' on aSTDP uses the gradient through its unrolled relaxation; " +
        "'…/transfer' are crafted on the bp model and applied to aSTDP.", '',
      `| rule | attack | ${eps.map((e) => `ε=${e}`).join(' | ')} |`, `| --- | --- | ${eps.map(() => '---').join(' | ')} |`,
      ...series.map((s) => {
        const [rule, name] = s.split('|');
        return `| ${rule} | ${name} | ${eps.map((e) => { const c = f.curves.find((v) => v.rule === rule && v.series === name && v.epsilon === e); return c ? pct(c.robustAccuracy) : '–'; }).join(' | ')} |`;
      }), '', '![robust accuracy vs ε](astdp-robustness.png)', '');
  }
  const c = r.compare as { command: string; outDir: string; seeds: number[]; training: { rule: string; seed: number; surrogate: boolean; testAccuracy: number }[]; tests: { series: string; epsilon: number; a: number[]; b: number[]; meanDifference: number; lo: number; hi: number; p: number }[]; checks: { name: string; pass: boolean; detail: string }[] } | undefined;
  if (c) {
    lines.push('## Paired comparison (attacks module), MNIST 0 vs 1', '', `Command: \`${c.command}\``, '',
      `\`runComparison\` with one training config both rules accept (784-500-2, linear output, MSE, SGD 0.1, batch 20), seeds ${c.seeds.join(', ')}; full report in [${c.outDir.replace(/^docs\/results\//, '')}/README.md](${c.outDir.replace(/^docs\/results\//, '')}/README.md).`, '',
      '| series | ε | astdp (mean) | bp (mean) | astdp − bp | 95% CI | p |', '| --- | --- | --- | --- | --- | --- | --- |',
      ...c.tests.map((t) => `| ${t.series} | ${t.epsilon} | ${pct(mean(t.a))} | ${pct(mean(t.b))} | ${(100 * t.meanDifference).toFixed(2)} pts | [${(100 * t.lo).toFixed(2)}, ${(100 * t.hi).toFixed(2)}] | ${t.p.toPrecision(2)} |`), '',
      'Sanity checks:', '', ...c.checks.map((k) => `- ${k.pass ? 'PASS' : 'FAIL'} ${k.name}: ${k.detail}`), '');
  }
  if (m) lines.push(`Machine: ${m.cpus} cores (${m.model}), Node ${m.node}, backend ${m.backend}; shared with other jobs, so seconds are noisy.`, '');
  return lines.join('\n');
}
