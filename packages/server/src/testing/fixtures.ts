// Small real models for the tests, trained here with @plasticity/rules (seconds each) and
// serialized exactly as `plasticity train` writes them, plus a server on a free port.
import { createBackend } from '@plasticity/core-wasm';
import { evaluate, loadDataset, modelFromTraining, serializeModel, train, type DatasetSpec, type Model, type TrainConfigInput } from '@plasticity/rules';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../server.js';

export interface Fixture {
  model: Model;
  json: string;
  bin: Uint8Array;
  spec: DatasetSpec;
}

const cache = new Map<string, Promise<Fixture>>();

export const FIXTURES: Record<string, { spec: DatasetSpec; config: TrainConfigInput }> = {
  iris: { spec: { name: 'iris' }, config: { rule: 'bp', hidden: [8], epochs: 40, batchSize: 16, inputTransform: 'standardize', optimizer: { kind: 'adam', lr: 0.02 }, seed: 3 } },
  'iris-fa': { spec: { name: 'iris' }, config: { rule: 'fa', hidden: [8], epochs: 40, batchSize: 16, inputTransform: 'standardize', optimizer: { kind: 'adam', lr: 0.02 }, seed: 4 } },
  mnist01: { spec: { name: 'mnist', classes: [0, 1], perClassCap: 60, testPerClassCap: 40 }, config: { rule: 'bp', hidden: [16], epochs: 2, batchSize: 20, seed: 1 } },
};

export function fixture(name: keyof typeof FIXTURES): Promise<Fixture> {
  let p = cache.get(name);
  if (!p) {
    p = (async () => {
      const { spec, config } = FIXTURES[name];
      const data = await loadDataset(spec);
      const backend = await createBackend('auto');
      const result = await train(config, { train: data.train }, { backend });
      const ev = evaluate(result.net, data.test, { inference: { rule: result.rule, state: result.ruleState, options: result.ruleOptions } });
      const model = modelFromTraining(result, {
        dataset: {
          name: data.train.name, fingerprint: data.train.fingerprint, classNames: [...data.train.classNames], inputShape: [...data.train.inputShape],
          featureRange: { ...data.train.featureRange }, task: JSON.parse(JSON.stringify(data.train.task)) as Record<string, unknown>,
        },
        metrics: { testAccuracy: ev.accuracy },
      });
      model.meta.training = { ...model.meta.training, data: spec };
      const { json, bin } = serializeModel(model);
      return { model, json, bin, spec };
    })();
    cache.set(name, p);
  }
  return p;
}

export async function tempDir(prefix = 'plasticity-server-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A real server on a free loopback port over a fresh store; no request logs unless asked. */
export async function testServer(opts: ServerOptions = {}): Promise<RunningServer & { dir: string; stop: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir();
  const s = await startServer({ port: 0, modelsDir: join(dir, 'models'), jobsDir: join(dir, 'jobs'), redisUrl: null, logger: false, apiKey: null, ...opts });
  return { ...s, dir, stop: async () => { await s.close(); await cleanup(); } };
}

/** A multipart upload body of model.json and weights.bin. */
export function uploadForm(json: string | Uint8Array, bin: Uint8Array): FormData {
  const form = new FormData();
  form.append('model', new Blob([json as BlobPart], { type: 'application/json' }), 'model.json');
  form.append('weights', new Blob([bin as BlobPart], { type: 'application/octet-stream' }), 'weights.bin');
  return form;
}
