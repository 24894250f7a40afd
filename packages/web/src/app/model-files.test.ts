// Loading a model from what a user picks: the .zip the dashboard downloads (what the CLI's
// model directory holds), the loose files, or the wrong thing, with a message that says what.
import { parseModel } from '@plasticity/rules';
import { zipSync } from 'fflate';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { modelFilesFrom } from './model-files.js';

const json = JSON.stringify({ format: 'plasticity-model', version: 1 });
const bin = Uint8Array.of(1, 2, 3, 4);

describe('modelFilesFrom', () => {
  it('reads model.json and weights.bin from a .zip, byte for byte', async () => {
    const zip = zipSync({ 'model.json': new TextEncoder().encode(json), 'weights.bin': bin });
    const got = await modelFilesFrom([new File([zip], 'fa-mnist-seed1.zip')]);
    expect(got).toEqual({ json, bin, source: 'fa-mnist-seed1.zip' });
  });

  it('reads the two files picked loose, or inside a picked folder', async () => {
    const loose = await modelFilesFrom([new File([bin], 'weights.bin'), new File([json], 'model.json')]);
    expect(loose.json).toBe(json);
    expect([...loose.bin]).toEqual([...bin]);
    const a = new File([json], 'model.json');
    const b = new File([bin], 'weights.bin');
    Object.defineProperty(a, 'webkitRelativePath', { value: 'runs/fa-01/model.json' });
    Object.defineProperty(b, 'webkitRelativePath', { value: 'runs/fa-01/weights.bin' });
    const dir = await modelFilesFrom([a, b, new File(['{}'], 'run-config.json')]);
    expect(dir.json).toBe(json);
  });

  it('names what is missing, and recognises a TensorFlow.js export', async () => {
    await expect(modelFilesFrom([])).rejects.toThrow('no file was chosen');
    await expect(modelFilesFrom([new File([json], 'model.json')])).rejects.toThrow('needs model.json and weights.bin (found model.json)');
    const tfjs = zipSync({ 'model.json': new TextEncoder().encode('{}'), 'group1-shard1of1.bin': bin });
    await expect(modelFilesFrom([new File([tfjs], 'fa.tfjs.zip')])).rejects.toThrow('TensorFlow.js export');
    await expect(modelFilesFrom([new File([Uint8Array.of(1, 2, 3)], 'broken.zip')])).rejects.toThrow('broken.zip is not a readable .zip file');
  });

  it('hands parseModel what it needs for a real model file pair', async () => {
    // A model as the engine test exports it is checked there; here the checksum guard fires on a wrong pair.
    const meta = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
    const got = await modelFilesFrom([new File([meta], 'model.json'), new File([bin], 'weights.bin')]);
    expect(() => parseModel(got.json, got.bin, got.source)).toThrow(/2 files: model.json is not a Plasticity model/);
  });
});
