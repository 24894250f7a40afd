// The Web-standard handler under Node's own Request and Response, and a check that nothing
// it imports statically is a Node built-in (so it bundles for an edge runtime).
import { ReferenceBackend } from '@plasticity/core-wasm';
import { restoreModel } from '@plasticity/rules';
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEdgeHandler, type EdgeHandler } from './edge.js';
import { fixture, type Fixture } from './testing/fixtures.js';

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.1, 5.6, 2.4],
];

const post = (path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request(`https://edge.example${path}`, { method: 'POST', headers, body: typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body) });

describe('createEdgeHandler', () => {
  let iris: Fixture;
  let handle: EdgeHandler;
  beforeAll(async () => {
    iris = await fixture('iris');
    handle = createEdgeHandler({ model: { json: iris.json, weights: iris.bin }, basePath: '/api' });
  });

  it('predicts what the float64 reference predicts', async () => {
    const res = await handle(post('/api/predict', { inputs: ROWS }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { predictions: number[]; probabilities: number[][] };
    const ref = restoreModel(new ReferenceBackend(), iris.model).net.predict(Float64Array.from(ROWS.flat()), ROWS.length);
    ROWS.forEach((_, i) => {
      for (let c = 0; c < 3; c++) expect(body.probabilities[i][c]).toBeCloseTo(ref[i * 3 + c], 4);
    });
    expect(body.predictions).toEqual([0, 2]);
    const bin = await handle(post('/api/predict', new Uint8Array(Float32Array.from(ROWS.flat()).buffer), { 'content-type': 'application/octet-stream' }));
    expect(await bin.json()).toEqual(body);
    const model = await handle(new Request('https://edge.example/api/model'));
    expect(((await model.json()) as { rule: string }).rule).toBe('bp');
  });

  it('attacks within the ε-ball and the feature range', async () => {
    const res = await handle(post('/api/attack', { attack: 'pgd', epsilon: 0.3, steps: 5, inputs: ROWS, labels: [0, 2] }));
    expect(res.status).toBe(200);
    const b = (await res.json()) as { adversarial: number[][]; perturbation: { linf: number[] } };
    b.adversarial.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - ROWS[i][j])).toBeLessThanOrEqual(0.3 + 1e-6)));
    expect(Math.max(...b.perturbation.linf)).toBeLessThanOrEqual(0.3 + 1e-6);
  });

  it('answers errors as problem documents', async () => {
    const cases: [Request, number, string | null][] = [
      [post('/api/predict', { inputs: [[1, 2, 3]] }), 400, '#/inputs/0'],
      [post('/api/predict', '{"inputs": [[1e999, 1, 1, 1]]}'), 400, '#/inputs/0/0'],
      [post('/api/predict', 'not json'), 400, null],
      [post('/api/predict', 'x', { 'content-type': 'text/plain' }), 415, null],
      [post('/api/attack', { attack: 'fgsm', epsilon: 0.1, inputs: ROWS, labels: [0, 2], gradient: 'transfer' }), 400, '#/gradient'],
      [post('/api/attack', { attack: 'fgsm', inputs: ROWS, labels: [0, 2] }), 400, '#/epsilon'],
      [post('/elsewhere', {}), 404, null],
      [new Request('https://edge.example/api/predict'), 405, null],
    ];
    for (const [req, status, pointer] of cases) {
      const res = await handle(req);
      expect(res.status, req.url).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const p = (await res.json()) as { status: number; errors?: { pointer: string }[] };
      expect(p.status).toBe(status);
      if (pointer) expect(p.errors?.[0].pointer).toBe(pointer);
    }
  });

  it('limits the body and checks the API key when given one', async () => {
    const small = createEdgeHandler({ model: iris.model, maxBodyBytes: 64, apiKey: 'k1' });
    const big = post('/predict', { inputs: Array.from({ length: 20 }, () => ROWS[0]) }, { 'content-type': 'application/json', authorization: 'Bearer k1' });
    expect((await small(big)).status).toBe(413);
    expect((await small(post('/predict', { inputs: [ROWS[0]] }))).status).toBe(401);
    expect((await small(post('/predict', { inputs: [ROWS[0]] }, { 'content-type': 'application/json', 'x-api-key': 'k2' }))).status).toBe(401);
    expect((await small(post('/predict', { inputs: [ROWS[0]] }, { 'content-type': 'application/json', 'x-api-key': 'k1' }))).status).toBe(200);
  });

  it('imports no Node built-in statically (bundles for an edge runtime)', async () => {
    // Node built-ins, and packages that only work in Node (native bindings, zlib streams):
    // imported lazily is fine (the handler never reaches report rendering), statically is not.
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), '@resvg/resvg-js', 'pngjs']);
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./edge.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      conditions: ['source', 'browser', 'module', 'import', 'default'],
      mainFields: ['browser', 'module', 'main'],
      external: [...builtins, 'vega', 'vega-lite'],
      metafile: true,
      logLevel: 'silent',
      // Metafile paths are relative to this; pinned so the walk below works from any cwd.
      absWorkingDir: fileURLToPath(new URL('../../..', import.meta.url)),
    });
    // Walk only static edges from the entry: code behind a dynamic import() (tfjs, resvg) loads
    // only when used, and the handler never uses it.
    const inputs = result.metafile.inputs;
    const entry = 'packages/server/src/edge.ts';
    expect(Object.keys(inputs)).toContain(entry);
    const seen = new Set([entry]);
    const offenders: string[] = [];
    for (const file of seen) {
      for (const i of inputs[file]?.imports ?? []) {
        if (i.kind === 'dynamic-import') continue;
        if (builtins.has(i.path)) offenders.push(`${file} → ${i.path}`);
        else if (!i.external && !seen.has(i.path)) seen.add(i.path);
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});
