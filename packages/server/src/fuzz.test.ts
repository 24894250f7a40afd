// Bad input, generated: request bodies of every shape, non-finite and huge numbers, wrong
// content types, truncated or corrupted weights, unknown and traversal-looking ids. The
// server must answer each with a 4xx problem document (never a 500, never a crash), and the
// store must only ever hold complete, valid models.
import { parseModel } from '@plasticity/rules';
import fc from 'fast-check';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMatrix } from './inference.js';
import { ProblemError } from './problem.js';
import { Matrix } from './schemas.js';
import { fixture, testServer, uploadForm, type Fixture } from './testing/fixtures.js';

type Srv = Awaited<ReturnType<typeof testServer>>;

const finiteIn = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
const weirdNumber = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e308, -0, 5e-324), fc.integer());
const jsonish = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.array(fc.array(weirdNumber, { maxLength: 6 }), { maxLength: 6 }),
  fc.record({ inputs: fc.oneof(fc.anything({ maxDepth: 2 }), fc.array(fc.array(weirdNumber, { minLength: 4, maxLength: 4 }), { maxLength: 4 })) }, { requiredKeys: [] }),
);

describe('checkMatrix agrees with the Matrix schema of the OpenAPI document', () => {
  it('accepts only what the schema accepts, and every in-range matrix of the right width', () => {
    fc.assert(
      fc.property(fc.oneof(jsonish, fc.array(fc.array(finiteIn(-5, 5), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 5 })), (v) => {
        let ok = true;
        try {
          checkMatrix(v, 3, null, ['inputs'], 100);
        } catch (e) {
          expect(e).toBeInstanceOf(ProblemError);
          expect((e as ProblemError).status).toBe(400);
          expect((e as ProblemError).errors?.[0].pointer).toMatch(/^#\/inputs/);
          ok = false;
        }
        if (ok) expect(Matrix.safeParse(v).success).toBe(true);
        const wellFormed = Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.length === 3 && r.every((x) => typeof x === 'number' && Number.isFinite(x)));
        expect(ok).toBe(wellFormed);
      }),
      { numRuns: 400 },
    );
  });
});

describe('the server under generated bad input', () => {
  let s: Srv;
  let iris: Fixture;
  let id: string;

  beforeAll(async () => {
    iris = await fixture('iris');
    s = await testServer({ rateLimit: false, jsonLimitBytes: 256 * 1024, uploadLimitBytes: 64 * 1024 });
    const r = await fetch(`${s.url}/v1/models`, { method: 'POST', body: uploadForm(iris.json, iris.bin) });
    id = ((await r.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await s.stop();
  });

  async function expectProblem(res: Response, allowed: number[]): Promise<void> {
    const text = await res.text();
    expect(res.status, text).not.toBe(500);
    expect(allowed, `${res.status} ${text}`).toContain(res.status);
    if (res.status >= 400) {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const p = JSON.parse(text) as { status: number; detail: string };
      expect(p.status).toBe(res.status);
      expect(text).not.toMatch(/\n\s+at |node_modules/);
    }
  }

  it('predict and attack: any JSON body, any content type', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('predict', 'attack'),
        fc.oneof(jsonish, fc.record({ attack: fc.constantFrom('fgsm', 'pgd', 'noise-uniform', 'square', 'bogus'), epsilon: weirdNumber, inputs: jsonish, labels: fc.anything({ maxDepth: 1 }), steps: weirdNumber })),
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', ''),
        async (op, body, ct) => {
          const res = await fetch(`${s.url}/v1/models/${id}/${op}`, { method: 'POST', headers: ct ? { 'content-type': ct } : {}, body: JSON.stringify(body) ?? 'null' });
          await expectProblem(res, [200, 400, 413, 415]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('predict: text that is not JSON, non-finite literals, huge arrays', async () => {
    const bodies = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('{"inputs": [[NaN, 1, 1, 1]]}', '{"inputs": [[Infinity,1,1,1]]}', '{"inputs": [[1e999,1,1,1]]}', '{"inputs": [[-1e999,1,1,1]]}', '{"inputs":', '\u0000', '{"inputs": [[1,2,3,4]]} trailing'),
      fc.integer({ min: 4097, max: 6000 }).map((n) => JSON.stringify({ inputs: Array.from({ length: n }, () => [5, 3, 1, 0.2]) })),
      fc.integer({ min: 5, max: 50_000 }).map((n) => JSON.stringify({ inputs: [Array.from({ length: n }, () => 1)] })),
      fc.integer({ min: 1, max: 3 }).map((k) => JSON.stringify({ inputs: [[5, 3, 1, 0.2]] }).repeat(k)),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const res = await fetch(`${s.url}/v1/models/${id}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await expectProblem(res, [200, 400, 413]);
      }),
      { numRuns: 60 },
    );
    const raw = fc.uint8Array({ maxLength: 200 });
    await fc.assert(
      fc.asyncProperty(raw, async (bytes) => {
        const res = await fetch(`${s.url}/v1/models/${id}/predict`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
        await expectProblem(res, [200, 400]);
      }),
      { numRuns: 80 },
    );
  });

  it('jobs: any robustness or train body is accepted or refused up front', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything({ maxDepth: 3 }),
          fc.record({ attacks: fc.array(fc.record({ attack: fc.constantFrom('fgsm', 'x'), epsilons: fc.array(weirdNumber, { maxLength: 3 }) }), { maxLength: 2 }), rows: weirdNumber, split: fc.string() }, { requiredKeys: [] }),
          fc.record({ dataset: fc.record({ name: fc.constantFrom('iris', 'csv', 'cifar10', '../x'), path: fc.string(), dataDir: fc.string() }, { requiredKeys: ['name'] }), epochs: weirdNumber, hidden: fc.anything({ maxDepth: 1 }) }, { requiredKeys: [] }),
        ),
        fc.constantFrom('robustness', 'train'),
        async (body, kind) => {
          const path = kind === 'train' ? '/v1/train' : `/v1/models/${id}/robustness`;
          const res = await fetch(s.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) ?? 'null' });
          if (res.status === 202) {
            // A body that happens to be valid: the job is real; stop it so it stores nothing.
            const job = (await res.json()) as { id: string };
            expect((await fetch(`${s.url}/v1/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(200);
            return;
          }
          await expectProblem(res, [400]);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('ids: unknown, traversal-looking and malformed ids never reach the disk', async () => {
    const ids = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom('..', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', '%2E%2E%5C', '.', '%00', 'models', `${'a'.repeat(63)}%2F`, `${'a'.repeat(64)}%00`, `..%2F${'a'.repeat(64)}`),
      fc.stringMatching(/^[0-9a-f]{64}$/),
      fc.uuid().map(String),
    );
    await fc.assert(
      fc.asyncProperty(ids, fc.constantFrom('GET', 'DELETE', 'POST'), fc.constantFrom('models', 'jobs'), async (raw, method, what) => {
        const seg = /%/.test(raw) ? raw : encodeURIComponent(raw);
        const path = what === 'models' && method === 'POST' ? `/v1/models/${seg}/predict` : `/v1/${what}/${seg}`;
        const res = await fetch(s.url + path, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{"inputs":[[5,3,1,0.2]]}' });
        // fetch resolves dot segments ('.', '..') itself: such a path reaches a listing, not an id.
        const normalised = new URL(s.url + path).pathname !== path || raw === '';
        await expectProblem(res, raw === id ? [200, 204] : normalised ? [200, 400, 401, 404, 405, 415] : [400, 404, 405]);
      }),
      { numRuns: 150 },
    );
    expect((await fetch(`${s.url}/v1/models/${id}`)).status).toBe(200);
  });

  it('uploads: truncated, corrupted, mislabelled or wrongly typed files never leave a model behind', async () => {
    const before = (await readdir(join(s.dir, 'models'))).sort();
    const corruptions = fc.oneof(
      fc.record({ kind: fc.constant('truncate'), at: fc.integer({ min: 0, max: iris.bin.length - 1 }) }),
      fc.record({ kind: fc.constant('flip'), at: fc.integer({ min: 0, max: iris.bin.length - 1 }), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('extend'), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
      // Cut inside the JSON text: model.json ends with a newline, and without it the file is the same valid model.
      fc.record({ kind: fc.constant('json-cut'), at: fc.integer({ min: 0, max: iris.json.trimEnd().length - 1 }) }),
      fc.record({ kind: fc.constant('json-edit'), path: fc.constantFrom('version', 'format', 'architecture', 'weights', 'dataset'), value: fc.anything({ maxDepth: 1 }) }),
      fc.record({ kind: fc.constant('fields'), model: fc.constantFrom('model', 'weights', 'other', ''), weights: fc.constantFrom('weights', 'model', 'x', '') }),
      fc.record({ kind: fc.constant('not-multipart'), ct: fc.constantFrom('application/json', 'application/octet-stream', 'text/plain', 'multipart/form-data; boundary=zzz') }),
      fc.record({ kind: fc.constant('garbage'), bytes: fc.uint8Array({ maxLength: 300 }) }),
    );
    await fc.assert(
      fc.asyncProperty(corruptions, async (c) => {
        let init: RequestInit;
        let bin = iris.bin;
        let json = iris.json;
        if (c.kind === 'truncate') bin = bin.slice(0, c.at);
        if (c.kind === 'flip') {
          bin = bin.slice();
          bin[c.at] ^= 1 << c.bit;
        }
        if (c.kind === 'extend') bin = Uint8Array.from([...bin, ...c.bytes]);
        if (c.kind === 'json-cut') json = json.slice(0, c.at);
        if (c.kind === 'json-edit') json = JSON.stringify({ ...JSON.parse(json), [c.path]: c.value });
        if (c.kind === 'fields') {
          const form = new FormData();
          if (c.model) form.append(c.model, new Blob([json]), 'model.json');
          if (c.weights) form.append(c.weights, new Blob([bin as BlobPart]), 'weights.bin');
          init = { body: form };
        } else if (c.kind === 'not-multipart') {
          init = { headers: { 'content-type': c.ct }, body: json };
        } else if (c.kind === 'garbage') {
          init = { headers: { 'content-type': 'multipart/form-data; boundary=----x' }, body: c.bytes };
        } else {
          init = { body: uploadForm(json, bin) };
        }
        const res = await fetch(`${s.url}/v1/models`, { method: 'POST', ...init });
        // A flip in a float's bits can still be a valid different model only if the checksum is updated; it is not.
        await expectProblem(res, c.kind === 'fields' && c.model === 'model' && c.weights === 'weights' ? [200] : [400, 413, 415]);
      }),
      { numRuns: 150 },
    );
    const after = (await readdir(join(s.dir, 'models'))).sort();
    expect(after).toEqual(before);
    for (const d of after) {
      const [j, b] = await Promise.all([readFile(join(s.dir, 'models', d, 'model.json'), 'utf8'), readFile(join(s.dir, 'models', d, 'weights.bin'))]);
      expect(() => parseModel(j, new Uint8Array(b))).not.toThrow();
    }
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });
});
