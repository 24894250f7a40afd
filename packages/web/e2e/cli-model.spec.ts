// A model trained by the CLI, loaded in the page: the page rebuilds the data set stored in the
// model, and gives the CLI's test accuracy, confusion matrix and robustness numbers. A model
// that does not fit the page's data set is refused with a message in the page.
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, setUp, tempDir, waitForModels, watchConsole } from './helpers.js';

test.describe.configure({ mode: 'serial' });

let dir = '';
let cliTest: { accuracy: number; confusion: number[][] };
let cliRobust: Record<string, number>;

test.beforeAll(async ({}, info) => {
  info.setTimeout(150_000);
  dir = await tempDir('plasticity-web-cli-');
  const modelDir = join(dir, 'fa-01');
  const trained = await cli(['train', '--rule', 'fa', '--dataset', 'mnist', '--classes', '0,1', '--layers', '32', '--epochs', '1', '--seed', '5', '--out', modelDir], info);
  const t = trained.find((e) => e.type === 'test')!;
  cliTest = { accuracy: t.accuracy as number, confusion: t.confusion as number[][] };
  const attacked = await cli(['attack', '--model', modelDir, '--attack', 'fgsm', '--eps', '0,0.1,0.2', '--rows', '400'], info);
  cliRobust = attacked.at(-1)!.robustAccuracy as Record<string, number>;
});

test.afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a model trained by the CLI loads and gives the CLI’s predictions and robustness numbers', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/');
  const modelDir = join(dir, 'fa-01');
  await page.getByTestId('load-model').setInputFiles([join(modelDir, 'model.json'), join(modelDir, 'weights.bin')]);
  await waitForModels(page, 1);
  const m = page.locator('[data-testid^="model-"][data-source="loaded"]');
  await expect(m).toHaveAttribute('data-status', 'loaded');
  await expect(m).toContainText('data fingerprint matches');
  expect(Number(await m.getAttribute('data-accuracy'))).toBe(cliTest.accuracy);
  const matrix = JSON.parse((await page.locator('[data-testid^="confusion-"]').first().getAttribute('data-matrix'))!) as number[][];
  expect(matrix).toEqual(cliTest.confusion);
  // The page switched its data controls to the model's data set.
  await expect(page.getByTestId('task')).toHaveValue('pair');

  await page.getByTestId('rob-eps').fill('0,0.1,0.2');
  await page.getByTestId('rob-rows').fill('400');
  await page.getByTestId('rob-run').click();
  const rows = page.locator('[data-testid^="rob-table-"] tbody tr');
  await expect(rows).toHaveCount(3);
  const page3 = await rows.evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-eps'), Number(r.getAttribute('data-acc'))] as const));
  for (const [eps, acc] of page3) expect(acc, `robust accuracy at ε = ${eps}`).toBe(cliRobust[String(Number(eps))]);
  expect(errors).toEqual([]);
});

test('a model that does not fit the data set is refused with a message in the page', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/');
  await setUp(page, { rules: ['bp'], hidden: '4', epochs: 1, dataset: 'iris', task: 'all', batch: 16 });
  await page.getByTestId('start').click();
  await waitForModels(page, 1);
  const modelDir = join(dir, 'fa-01');
  await page.getByTestId('load-model').setInputFiles([join(modelDir, 'model.json'), join(modelDir, 'weights.bin')]);
  await expect(page.getByTestId('model-error')).toContainText('expects 784 input features, but the data set iris has 4');
  await expect(page.locator('[data-testid^="model-"][data-source="loaded"]')).toHaveCount(0);
  // A file that is not a model at all.
  await page.getByTestId('load-model').setInputFiles({ name: 'model.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"nope"}') });
  await expect(page.getByTestId('model-error')).toContainText('needs model.json and weights.bin');
  const json = await readFile(join(modelDir, 'model.json'));
  await page.getByTestId('load-model').setInputFiles([
    { name: 'model.json', mimeType: 'application/json', buffer: json },
    { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([1, 2, 3]) },
  ]);
  await expect(page.getByTestId('model-error')).toContainText('weights.bin has 3 bytes');
  expect(errors).toEqual([]);
});

test('a model downloaded from the page is a CLI model directory once unzipped; the TensorFlow.js export is a layers model', async ({ page }, info) => {
  const errors = watchConsole(page);
  await page.goto('/');
  await setUp(page, { rules: ['bp'], hidden: '16', epochs: 1 });
  await page.getByTestId('start').click();
  await waitForModels(page, 1);
  const m = page.locator('[data-testid^="model-"][data-source="trained"]');
  const pageAccuracy = Number(await m.getAttribute('data-accuracy'));
  const id = (await m.getAttribute('data-testid'))!.slice('model-'.length);

  const [ours] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`download-${id}`).click()]);
  expect(ours.suggestedFilename()).toBe('bp-mnist-seed1.zip');
  const files = unzipSync(new Uint8Array(await readFile((await ours.path())!)));
  expect(Object.keys(files).sort()).toEqual(['model.json', 'weights.bin']);
  const modelDir = join(dir, 'from-page');
  await mkdir(modelDir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(modelDir, name), bytes);
  const evaluated = await cli(['eval', '--model', modelDir], info);
  const result = evaluated.at(-1)!;
  expect(result.accuracy).toBe(pageAccuracy);
  expect(result.fingerprintMatches).toBe(true);

  const [tfjs] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`download-tfjs-${id}`).click()]);
  expect(tfjs.suggestedFilename()).toBe('bp-mnist-seed1.tfjs.zip');
  const t = unzipSync(new Uint8Array(await readFile((await tfjs.path())!)));
  expect(Object.keys(t).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
  const topology = JSON.parse(new TextDecoder().decode(t['model.json'])) as { format: string; weightsManifest: { weights: { shape: number[] }[] }[] };
  expect(topology.format).toBe('layers-model');
  const floats = topology.weightsManifest[0].weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  expect(t['group1-shard1of1.bin'].byteLength).toBe(4 * floats);
  expect(floats).toBe(784 * 16 + 16 + 16 * 2 + 2);
  expect(errors).toEqual([]);
});
