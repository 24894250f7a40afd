// `npm run reproduce -- NAME [options]`: runs one named paper reproduction, which writes its
// results under docs/results/. Each entry is a module exporting `run(argv)`; add yours here.
const REPRODUCTIONS: Record<string, { description: string; load: () => Promise<{ run(argv: string[]): Promise<void> }> }> = {
  baselines: { description: 'bp, fa, dfa, sign-fa on MNIST (Nøkland 2016 setting) and the fast 784-256-256-10 net', load: () => import('./baselines.js') },
  astdp: { description: 'aSTDP on MNIST 784-500-10: accuracy, relaxation steps with/without derivative targets, generation judged by bp, FGSM/PGD beside bp', load: () => import('./astdp.js') },
  'robustness-bp': {
    description: 'FGSM checked against tfjs autodiff on a BP MNIST model; FGSM/PGD robustness of two rules (default fa vs bp) on MNIST 0 vs 1 over 5 seeds',
    load: () => import('./robustness-bp.js'),
  },
  'gait-prop': { description: 'GAIT-prop vs bp (and tp, itp) in the authors\' square-net setting on MNIST/Fashion-MNIST; bench, precision, report', load: () => import('./gait-prop.js') },
  gupta: { description: 'gupta (STDP-derived local rule, every hidden variant) vs bp: MNIST/IRIS one-vs-rest accuracy, ablations, FGSM/PGD robustness, step-time bench, report', load: () => import('./gupta.js') },
  microcircuit: { description: 'cortical microcircuit (rate and LIF) on MNIST next to bp/fa/sign-fa, LIF seconds vs T, CIFAR-10 MLP from --data-dir', load: () => import('./microcircuit.js') },
};

async function main(): Promise<void> {
  const [name, ...argv] = process.argv.slice(2);
  const list = Object.entries(REPRODUCTIONS).map(([k, v]) => `  ${k.padEnd(16)} ${v.description}`).join('\n');
  if (!name || name === '--help' || name === '-h') {
    console.log(`usage: npm run reproduce -- NAME [options]\n\nreproductions:\n${list}`);
    return;
  }
  const entry = REPRODUCTIONS[name];
  if (!entry) {
    console.error(`unknown reproduction '${name}'; expected one of:\n${list}`);
    process.exitCode = 2;
    return;
  }
  await (await entry.load()).run(argv);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
