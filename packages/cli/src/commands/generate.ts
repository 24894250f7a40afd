// `plasticity generate`: class-conditional images from a model that can generate (aSTDP): clamp
// a label, leave the input free, relax. Writes the grid as a PNG; the Ink view draws it in
// block characters.
import { createBackend } from '@plasticity/core-wasm';
import { generate, imageGridBlocks, restoreModel, writeImageGrid } from '@plasticity/rules';
import { resolve } from 'node:path';
import { createElement as h } from 'react';
import type { CommandDef } from '../command.js';
import { BACKEND_FLAG, OUTPUT_FLAGS } from '../flag-tables.js';
import { CliError } from '../flags.js';
import { MODEL_FLAG, readModel } from './info.js';
import { userInput } from './train.js';

export const generateCommand: CommandDef = {
  name: 'generate',
  summary: 'generate images of a class from a model that can (aSTDP): clamp the label, relax the input',
  flags: [
    MODEL_FLAG,
    { key: 'label', flag: '--label', arg: '<class>', type: 'int', min: 0, description: 'the class to clamp (omit for a model trained unsupervised)' },
    { key: 'count', flag: '--count', arg: '<n>', type: 'int', min: 1, default: 16, description: 'how many images' },
    { key: 'seed', flag: '--seed', arg: '<n>', type: 'int', default: 1, description: 'seeds the starting noise and the annealed noise' },
    { key: 'steps', flag: '--steps', arg: '<n>', type: 'int', min: 1, description: "relaxation steps (default: the model's dream length)" },
    { key: 'noise', flag: '--noise', arg: '<sigma>', type: 'number', min: 0, default: 0, description: 'σ of noise on every free neuron, annealed to 0 (varies the images)' },
    { key: 'gain', flag: '--gain', arg: '<rate>', type: 'number', above: 0, description: "the clamped label neuron's rate (default: the model's labelGain; higher holds the image in its class to the steady state)" },
    { key: 'init', flag: '--init', arg: '<kind>', type: 'string', default: 'zero', choices: ['zero', 'noise'], description: 'starting input: blank (as training dreams) or uniform noise' },
    { key: 'out', flag: '--out', arg: '<file.png>', type: 'string', required: true, description: 'PNG file for the image grid (written atomically)' },
    { key: 'cols', flag: '--cols', arg: '<n>', type: 'int', min: 1, description: 'images per row of the grid (default ⌈√count⌉)' },
    { key: 'zoom', flag: '--zoom', arg: '<n>', type: 'int', min: 1, default: 4, description: 'PNG pixels per input pixel' },
    BACKEND_FLAG,
    ...OUTPUT_FLAGS,
  ],
  examples: [
    'plasticity generate --model runs/astdp --label 3 --count 16 --out grid.png',
    'plasticity generate --model runs/astdp --label 7 --count 32 --init noise --noise 0.3 --seed 2 --out sevens.png --json',
  ],
  async run(ctx) {
    const { out, values } = ctx;
    const dir = resolve(String(values.model));
    const model = await readModel(dir);
    const shape = model.meta.dataset?.inputShape ?? [28, 28];
    if (shape.reduce((a, b) => a * b, 1) !== model.meta.architecture.inputSize) {
      throw new CliError(`${dir}: the input shape [${shape.join(', ')}] does not hold the model's ${model.meta.architecture.inputSize} inputs; images need [H, W] or [H, W, C] data`);
    }
    const backend = await userInput(() => createBackend(values.backend as 'auto'));
    const restored = await userInput(() => restoreModel(backend, model));
    const label = values.label === undefined ? undefined : Number(values.label);
    const g = await userInput(() => {
      try {
        return generate(restored, {
          label, count: Number(values.count), seed: Number(values.seed), noise: Number(values.noise), init: values.init as 'zero' | 'noise',
          ...(values.steps === undefined ? {} : { steps: Number(values.steps) }),
          ...(values.gain === undefined ? {} : { gain: Number(values.gain) }),
        });
      } catch (e) {
        if ((e as Error).name === 'GenerateError') throw new CliError(`${dir}: ${(e as Error).message}`, 1);
        throw e;
      }
    });
    const file = resolve(String(values.out));
    const cols = values.cols === undefined ? undefined : Number(values.cols);
    await writeImageGrid(file, g.images, { shape, cols, zoom: Number(values.zoom) });
    const names = model.meta.dataset?.classNames;
    const what = g.label === null ? 'free output' : `label ${g.label}${names?.[g.label] && names[g.label] !== String(g.label) ? ` (${names[g.label]})` : ''}`;
    const title = `${g.count} images, ${what}, ${g.steps} steps → ${String(values.out)}`;
    if (out.mode === 'ink') {
      const { Box, Text } = await import('ink');
      const { mountLive } = await import('../ui/live.js');
      // Full resolution (one cell per pixel across, two down) when the row fits the terminal.
      const perRow = cols ?? Math.min(g.count, 8);
      const scale = perRow * (shape[1] + 1) <= (ctx.io.stdout.columns ?? 80) ? 1 : 2;
      const lines = imageGridBlocks(g.images, { shape, cols: perRow, scale });
      const view = h(Box, { flexDirection: 'column' }, h(Text, { bold: true }, title), ...lines.map((l, i) => h(Text, { key: i }, l || ' ')));
      await mountLive(ctx.io, ctx.controls, view).finish();
    } else {
      out.text(title);
    }
    out.emit({ type: 'result', command: 'generate', modelDir: dir, rule: model.meta.rule.name, label: g.label, count: g.count, steps: g.steps, out: file });
  },
};
