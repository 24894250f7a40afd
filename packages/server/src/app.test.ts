// The API through a real listening server: every response is checked against the OpenAPI
// document; predictions against the float64 reference backend; security headers, limits,
// the API key and the logs as a client and an operator see them.
import { ReferenceBackend } from '@plasticity/core-wasm';
import { loadDataset, restoreModel } from '@plasticity/rules';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, checkExamples, jsonInit, readEvents } from './testing/openapi-check.js';
import { fixture, testServer, uploadForm, type Fixture } from './testing/fixtures.js';

type Srv = Awaited<ReturnType<typeof testServer>>;

const IRIS_ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.1, 5.6, 2.4],
  [5.9, 3.0, 4.2, 1.5],
];

describe('the HTTP API', () => {
  let s: Srv;
  let iris: Fixture;
  let id: string;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    iris = await fixture('iris');
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l.trim()) logLines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    s = await testServer({ logger: pino({ level: 'info' }, sink), apiKey: 'sekret-key-1' });
  });
  afterAll(async () => {
    await s.stop();
  });

  const auth = { authorization: 'Bearer sekret-key-1' };

  it('answers health, ready, rules, data sets, the OpenAPI document and the docs page', async () => {
    expect((await call(s.url, 'GET', '/health')).status).toBe(200);
    const ready = await call(s.url, 'GET', '/ready');
    expect(ready.status).toBe(200);
    expect((ready.body as { checks: { models: { ok: boolean } } }).checks.models.ok).toBe(true);
    const rules = (await call(s.url, 'GET', '/v1/rules')).body as { rules: { name: string }[] };
    expect(rules.rules.map((r) => r.name)).toEqual(expect.arrayContaining(['bp', 'fa', 'dfa']));
    const ds = (await call(s.url, 'GET', '/v1/datasets')).body as { datasets: { name: string; servedByApi: boolean }[] };
    expect(ds.datasets.find((d) => d.name === 'iris')?.servedByApi).toBe(true);
    expect(ds.datasets.find((d) => d.name === 'csv')?.servedByApi).toBe(false);
    const doc = await fetch(`${s.url}/openapi.json`).then((r) => r.json() as Promise<{ openapi: string; paths: Record<string, unknown> }>);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/models/{id}/predict', '/v1/jobs/{id}/events', '/v1/train']));
    const page = await fetch(`${s.url}/docs`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) {
      expect((await fetch(s.url + src)).status, src).toBe(200);
    }
  });

  it('every example in the OpenAPI document validates against its own schema', () => {
    const results = checkExamples();
    expect(results.length).toBeGreaterThanOrEqual(8);
    for (const r of results) expect(r.errors, r.name).toEqual([]);
  });

  it('stores an upload under its content hash, idempotently, and lists, shows and deletes it', async () => {
    const first = await call(s.url, 'POST', '/v1/models', { body: uploadForm(iris.json, iris.bin), headers: auth });
    expect(first.status).toBe(201);
    id = (first.body as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(first.headers.get('location')).toBe(`/v1/models/${id}`);
    // The same model with different JSON whitespace is the same model.
    const reformatted = JSON.stringify(JSON.parse(iris.json));
    const again = await call(s.url, 'POST', '/v1/models', { body: uploadForm(reformatted, iris.bin), headers: auth });
    expect(again.status).toBe(200);
    expect((again.body as { id: string; created: boolean })).toMatchObject({ id, created: false });
    const list = (await call(s.url, 'GET', '/v1/models')).body as { models: { id: string }[] };
    expect(list.models.map((m) => m.id)).toEqual([id]);
    const one = (await call(s.url, 'GET', `/v1/models/${id}`)).body as { rule: string; meta: { weights: { sha256: string } } };
    expect(one.rule).toBe('bp');
    expect(one.meta.weights.sha256).toBe(iris.model.meta.weights.sha256);

    const fa = await fixture('iris-fa');
    const other = await call(s.url, 'POST', '/v1/models', { body: uploadForm(fa.json, fa.bin), headers: auth });
    const otherId = (other.body as { id: string }).id;
    expect(otherId).not.toBe(id);
    expect((await call(s.url, 'DELETE', `/v1/models/${otherId}`, { headers: auth })).status).toBe(204);
    expect((await call(s.url, 'GET', `/v1/models/${otherId}`)).status).toBe(404);
    expect((await call(s.url, 'DELETE', `/v1/models/${otherId}`, { headers: auth })).status).toBe(404);
    expect((await readdir(join(s.dir, 'models'))).sort()).toEqual([id]);
  });

  it('predicts what the float64 reference backend predicts, from JSON and from float32 bytes', async () => {
    const res = await call(s.url, 'POST', `/v1/models/${id}/predict`, jsonInit({ inputs: IRIS_ROWS }));
    expect(res.status).toBe(200);
    const body = res.body as { predictions: number[]; probabilities: number[][] };
    const ref = restoreModel(new ReferenceBackend(), iris.model);
    const p = ref.net.predict(Float64Array.from(IRIS_ROWS.flat()), IRIS_ROWS.length);
    for (let i = 0; i < IRIS_ROWS.length; i++) {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3));
      expect(body.predictions[i]).toBe(row.indexOf(Math.max(...row)));
      for (let c = 0; c < 3; c++) expect(body.probabilities[i][c]).toBeCloseTo(row[c], 4);
    }
    expect(body.predictions).toEqual([0, 2, 1]);
    const bytes = new Uint8Array(Float32Array.from(IRIS_ROWS.flat()).buffer);
    const bin = await call(s.url, 'POST', `/v1/models/${id}/predict`, { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(bin.body).toEqual(body);
  });

  it('predicts the same for a row alone and inside batches of any size (padded fixed-size batches)', async () => {
    const test = (await loadDataset({ name: 'iris' })).test;
    const rows = Array.from({ length: test.n }, (_, i) => Array.from(test.x.subarray(i * 4, i * 4 + 4)));
    const all = (await call(s.url, 'POST', `/v1/models/${id}/predict`, jsonInit({ inputs: rows }))).body as { predictions: number[] };
    for (const i of [0, 7, rows.length - 1]) {
      const one = (await call(s.url, 'POST', `/v1/models/${id}/predict`, jsonInit({ inputs: [rows[i]] }))).body as { predictions: number[] };
      expect(one.predictions[0]).toBe(all.predictions[i]);
    }
    const acc = all.predictions.filter((p, i) => p === test.y[i]).length / test.n;
    expect(acc).toBeCloseTo(iris.model.meta.metrics!.testAccuracy as number, 10);
  });

  it('attacks: FGSM rows stay in the ε-ball and the feature range, and predict as reported', async () => {
    const eps = 0.4;
    const res = await call(s.url, 'POST', `/v1/models/${id}/attack`, jsonInit({ attack: 'fgsm', epsilon: eps, inputs: IRIS_ROWS, labels: [0, 2, 1] }));
    expect(res.status).toBe(200);
    const b = res.body as { adversarial: number[][]; predictions: number[]; cleanPredictions: number[]; perturbation: { linf: number[] }; gradientSource: string };
    const range = iris.model.meta.dataset!.featureRange;
    b.adversarial.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(Math.abs(v - IRIS_ROWS[i][j])).toBeLessThanOrEqual(eps + 1e-6);
        expect(v).toBeGreaterThanOrEqual(range.lo);
        expect(v).toBeLessThanOrEqual(range.hi);
      });
      expect(b.perturbation.linf[i]).toBeCloseTo(Math.max(...row.map((v, j) => Math.abs(v - IRIS_ROWS[i][j]))), 6);
    });
    expect(b.gradientSource).toBe('true');
    expect(b.cleanPredictions).toEqual([0, 2, 1]);
    const again = (await call(s.url, 'POST', `/v1/models/${id}/predict`, jsonInit({ inputs: b.adversarial }))).body as { predictions: number[] };
    expect(again.predictions).toEqual(b.predictions);
    // ε = 0 changes nothing.
    const zero = (await call(s.url, 'POST', `/v1/models/${id}/attack`, jsonInit({ attack: 'pgd', epsilon: 0, steps: 3, inputs: IRIS_ROWS, labels: [0, 2, 1] }))).body as { adversarial: number[][] };
    zero.adversarial.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(IRIS_ROWS[i][j], 5)));
  });

  it('answers bad input with problem+json naming the field, before any work', async () => {
    const cases: [string, string, RequestInit, number, string][] = [
      ['POST', `/v1/models/${id}/predict`, jsonInit({ inputs: [[5.1, 3.5, 1.4]] }), 400, '#/inputs/0'],
      ['POST', `/v1/models/${id}/predict`, jsonInit({ inputs: [[5.1, 3.5, 1.4, 99]] }), 400, '#/inputs/0/3'],
      ['POST', `/v1/models/${id}/predict`, jsonInit('{"inputs": [[5.1, 3.5, 1.4, 1e999]]}'), 400, '#/inputs/0/3'],
      ['POST', `/v1/models/${id}/predict`, jsonInit({ inputs: [[5.1, 3.5, '1', 0.2]] }), 400, '#/inputs/0/2'],
      ['POST', `/v1/models/${id}/predict`, jsonInit({ inputs: [], extra: 1 }), 400, '#/extra'],
      ['POST', `/v1/models/${id}/predict`, jsonInit('{"inputs": [[1,2'), 400, ''],
      ['POST', `/v1/models/${id}/attack`, jsonInit({ attack: 'fgsm', epsilon: -1, inputs: IRIS_ROWS, labels: [0, 2, 1] }), 400, '#/epsilon'],
      ['POST', `/v1/models/${id}/attack`, jsonInit({ attack: 'fgsm', epsilon: 0.1, inputs: IRIS_ROWS, labels: [0, 2, 7] }), 400, '#/labels/2'],
      ['POST', `/v1/models/${id}/attack`, jsonInit({ attack: 'nope', epsilon: 0.1, inputs: IRIS_ROWS, labels: [0, 2, 1] }), 400, '#/attack'],
      ['POST', `/v1/models/${id}/attack`, jsonInit({ attack: 'fgsm', epsilon: 0.1, inputs: IRIS_ROWS, labels: [0, 2, 1], gradient: 'transfer' }), 400, '#/surrogate'],
      ['POST', `/v1/models/${id}/attack`, jsonInit({ attack: 'fgsm', epsilon: 0.1, inputs: IRIS_ROWS, labels: [0, 2, 1], gradient: 'transfer', surrogate: '2'.repeat(64) }), 404, '#/surrogate'],
      ['POST', `/v1/models/${id}/predict`, { headers: { 'content-type': 'text/plain' }, body: 'hello' }, 415, ''],
      ['GET', `/v1/models/${'0'.repeat(64)}`, {}, 404, '#/params/id'],
      ['GET', '/v1/models/..%2F..%2Fetc%2Fpasswd', {}, 400, '#/params/id'],
      ['GET', `/v1/models/${id.toUpperCase()}`, {}, 400, '#/params/id'],
      ['GET', '/v1/jobs/not-a-job', {}, 400, '#/params/id'],
      ['GET', '/v1/nothing', {}, 404, ''],
    ];
    for (const [method, path, init, status, pointer] of cases) {
      const r = await fetch(s.url + path, { ...init, method });
      const text = await r.text();
      expect(r.status, `${method} ${path} ${text}`).toBe(status);
      expect(r.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
      const p = JSON.parse(text) as { type: string; title: string; status: number; detail: string; errors?: { pointer: string }[] };
      expect(p.status).toBe(status);
      expect(p.type).toMatch(/^https:\/\/plasticity\.dev\/problems\//);
      expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
      if (pointer) expect(p.errors?.[0]?.pointer, text).toBe(pointer);
    }
    const put = await fetch(`${s.url}/v1/models/${id}/predict`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST');
  });

  it('sets security headers and hides the framework', async () => {
    const r = await fetch(`${s.url}/health`);
    expect(r.headers.get('x-powered-by')).toBeNull();
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(r.headers.get('strict-transport-security')).toBeTruthy();
    expect(r.headers.get('ratelimit-policy')).toBeTruthy();
    expect(r.headers.get('x-request-id')).toMatch(/^[\w-]+$/);
  });

  it('requires the API key on every write endpoint and on none of the reads', async () => {
    const writes: [string, string, RequestInit][] = [
      ['POST', '/v1/models', { body: uploadForm(iris.json, iris.bin) }],
      ['DELETE', `/v1/models/${id}`, {}],
      ['POST', `/v1/models/${id}/robustness`, jsonInit({ attacks: [{ attack: 'fgsm', epsilons: [0.1] }] })],
      ['POST', '/v1/train', jsonInit({ dataset: { name: 'iris' } })],
      ['DELETE', '/v1/jobs/0b7e7c1e-3f7a-4d52-9a51-1d2f0c9e8a77', {}],
    ];
    for (const [method, path, init] of writes) {
      const r = await call(s.url, method, path, init);
      expect(r.status, `${method} ${path}`).toBe(401);
      const wrong = await call(s.url, method, path, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-api-key': 'sekret-key-2' } });
      expect(wrong.status).toBe(401);
    }
    expect((await call(s.url, 'GET', `/v1/models/${id}`)).status).toBe(200);
    expect((await call(s.url, 'POST', `/v1/models/${id}/predict`, jsonInit({ inputs: IRIS_ROWS }))).status).toBe(200);
    expect((await call(s.url, 'POST', '/v1/models', { body: uploadForm(iris.json, iris.bin), headers: { 'x-api-key': 'sekret-key-1' } })).status).toBe(200);
  });

  it('writes one structured log line per request, with no keys or bodies in it', () => {
    const requests = logLines.filter((l) => l.msg === 'request completed' || l.msg === 'request errored');
    expect(requests.length).toBeGreaterThan(20);
    for (const l of requests) {
      expect(l).toMatchObject({ level: expect.any(Number), time: expect.any(Number), req: { id: expect.any(String), method: expect.any(String), url: expect.any(String) }, res: { statusCode: expect.any(Number) } });
      expect(typeof l.responseTime).toBe('number');
    }
    expect(requests.some((l) => (l.res as { statusCode: number }).statusCode === 401 && l.level === 40)).toBe(true);
    const all = JSON.stringify(logLines);
    expect(all).not.toContain('sekret-key');
    expect(all).not.toContain('5.1,3.5');
  });

  it('runs a robustness job: 202, progress over server-sent events, the report kept on disk', async () => {
    const start = await call(s.url, 'POST', `/v1/models/${id}/robustness`, jsonInit({ rows: 30, attacks: [{ attack: 'pgd', epsilons: [0, 0.2, 0.5], steps: 5 }] }, auth));
    expect(start.status).toBe(202);
    const job = start.body as { id: string; links: { events: string } };
    expect(start.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    const events = await readEvents(`${s.url}${job.links.events}`);
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('state');
    expect(types.at(-1)).toBe('end');
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data as { fraction: number; event: { type: string; epsilon?: number } });
    expect(progress.filter((p) => p.event.type === 'attack-done').map((p) => p.event.epsilon)).toEqual([0, 0.2, 0.5]);
    const fractions = progress.map((p) => p.fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    const final = (await call(s.url, 'GET', `/v1/jobs/${job.id}`)).body as { state: string; result: { report: { rows: { epsilon: number; robustAccuracy: number }[] }; files: string[]; dir: string } };
    expect(final.state).toBe('completed');
    const rows = final.result.report.rows;
    expect(rows.map((r) => r.epsilon)).toEqual([0, 0.2, 0.5]);
    expect(rows[2].robustAccuracy).toBeLessThanOrEqual(rows[0].robustAccuracy);
    const onDisk = JSON.parse(await readFile(join(final.result.dir, 'result.json'), 'utf8')) as { report: { rows: unknown[] } };
    expect(onDisk.report.rows).toEqual(rows);
    expect((await readdir(final.result.dir)).sort()).toEqual(expect.arrayContaining(['accuracy.png', 'accuracy.svg', 'report.json', 'rows.csv', 'summary.csv', 'result.json']));
  });

  it('trains over HTTP: the job result names a stored model that then predicts', async () => {
    const start = await call(s.url, 'POST', '/v1/train', jsonInit({ rule: 'fa', dataset: { name: 'iris' }, hidden: [8], epochs: 15, batchSize: 16, inputTransform: 'standardize', optimizer: { kind: 'adam', lr: 0.02 }, progressEvery: 1 }, auth));
    expect(start.status).toBe(202);
    const jobId = (start.body as { id: string }).id;
    const events = await readEvents(`${s.url}/v1/jobs/${jobId}/events`);
    const kinds = new Set(events.filter((e) => e.event === 'progress').map((e) => (e.data as { event: { type: string } }).event.type));
    for (const k of ['start', 'epoch', 'done', 'test', 'saved']) expect(kinds, k).toContain(k);
    const job = (await call(s.url, 'GET', `/v1/jobs/${jobId}`)).body as { state: string; result: { modelId: string; testAccuracy: number; epochsCompleted: number } };
    expect(job.state).toBe('completed');
    expect(job.result.epochsCompleted).toBe(15);
    const pred = (await call(s.url, 'POST', `/v1/models/${job.result.modelId}/predict`, jsonInit({ inputs: IRIS_ROWS }))).body as { predictions: number[] };
    expect(pred.predictions).toHaveLength(3);
    const model = (await call(s.url, 'GET', `/v1/models/${job.result.modelId}`)).body as { rule: string; testAccuracy: number };
    expect(model.rule).toBe('fa');
    expect(model.testAccuracy).toBe(job.result.testAccuracy);
  });

  it('cancels a running job; bad job requests fail up front', async () => {
    const start = await call(s.url, 'POST', `/v1/models/${id}/robustness`, jsonInit({ rows: 30, attacks: [{ attack: 'square', epsilons: [0.1, 0.2, 0.3, 0.4], queries: 10_000 }] }, auth));
    const jobId = (start.body as { id: string }).id;
    for (let i = 0; i < 100; i++) {
      const j = (await call(s.url, 'GET', `/v1/jobs/${jobId}`)).body as { state: string };
      if (j.state === 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const cancelled = await call(s.url, 'DELETE', `/v1/jobs/${jobId}`, { headers: auth });
    expect(cancelled.status).toBe(200);
    expect((cancelled.body as { state: string }).state).toBe('cancelled');
    expect(((await call(s.url, 'GET', `/v1/jobs/${jobId}`)).body as { state: string }).state).toBe('cancelled');
    const bad: [string, unknown, string][] = [
      [`/v1/models/${id}/robustness`, { attacks: [] }, '#/attacks'],
      [`/v1/models/${id}/robustness`, { attacks: [{ attack: 'fgsm', epsilons: [0.1] }], dataset: { name: 'csv', path: '/etc/passwd' } }, '#/dataset/name'],
      [`/v1/models/${id}/robustness`, { attacks: [{ attack: 'fgsm', epsilons: [0.1], gradient: 'transfer' }] }, '#/attacks/0/gradient'],
      ['/v1/train', { rule: 'nope', dataset: { name: 'iris' } }, '#/rule'],
      ['/v1/train', { dataset: { name: 'iris', dataDir: '/etc' } }, '#/dataset'],
      ['/v1/train', { dataset: { name: 'iris' }, hidden: [100000] }, '#/hidden/0'],
    ];
    for (const [path, body, pointer] of bad) {
      const r = await call(s.url, 'POST', path, jsonInit(body, auth));
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((r.body as { errors: { pointer: string }[] }).errors[0].pointer).toBe(pointer);
    }
    expect((await call(s.url, 'POST', `/v1/models/${'1'.repeat(64)}/robustness`, jsonInit({ attacks: [{ attack: 'fgsm', epsilons: [0.1] }] }, auth))).status).toBe(404);
  });
});

describe('limits', () => {
  let s: Srv;
  let iris: Fixture;
  beforeAll(async () => {
    iris = await fixture('iris');
    s = await testServer({ jsonLimitBytes: 2048, uploadLimitBytes: 4096, rateLimit: { perMinute: 40, writesPerMinute: 4 } });
  });
  afterAll(async () => {
    await s.stop();
  });

  it('answers 413 past the JSON and upload limits, and 429 past the rate limits', async () => {
    const id = ((await call(s.url, 'POST', '/v1/models', { body: uploadForm(iris.json, iris.bin) })).body as { id: string }).id;
    const big = await call(s.url, 'POST', `/v1/models/${id}/predict`, jsonInit({ inputs: Array.from({ length: 200 }, () => [5.1, 3.5, 1.4, 0.2]) }));
    expect(big.status).toBe(413);
    const huge = await call(s.url, 'POST', '/v1/models', { body: uploadForm(iris.json, new Uint8Array(10_000)) });
    expect(huge.status).toBe(413);
    expect((huge.body as { errors: { pointer: string }[] }).errors[0].pointer).toBe('#/weights');
    let writes = 0;
    for (let i = 0; i < 6; i++) if ((await call(s.url, 'POST', '/v1/models', { body: uploadForm(iris.json, iris.bin) })).status === 429) writes++;
    expect(writes).toBeGreaterThan(0);
    let reads429 = 0;
    for (let i = 0; i < 45; i++) {
      const r = await call(s.url, 'GET', '/v1/models');
      if (r.status === 429) {
        reads429++;
        expect(r.headers.get('ratelimit')).toMatch(/r=0/);
      }
    }
    expect(reads429).toBeGreaterThan(0);
  });
});
