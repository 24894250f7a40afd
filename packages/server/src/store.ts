// The model store: one directory per model under the store root, named by the model's content
// hash, holding model.json and weights.bin. Every upload is validated exactly as a load is
// (parseModel) and written with writeDirAtomic (temp directory + rename), so a crash or a bad
// upload never leaves a half-written model; the store survives restarts because it is only
// files. An id is a hash, never a path: anything else is refused before the disk is touched.
import { MODEL_JSON, parseModel, serializeModel, WEIGHTS_BIN, writeDirAtomic, type Model } from '@plasticity/rules';
import { createHash, randomBytes } from 'node:crypto';
import { access, constants, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MODEL_ID_PATTERN } from './schemas.js';

export class StoreError extends Error {
  override readonly name = 'StoreError';
}

export interface StoredModel {
  id: string;
  model: Model;
}

export function isModelId(id: unknown): id is string {
  return typeof id === 'string' && MODEL_ID_PATTERN.test(id);
}

/** The id of a model: sha256 over its canonical model.json text, a NUL byte, then weights.bin. */
export function modelId(json: string, bin: Uint8Array): string {
  return createHash('sha256').update(json, 'utf8').update(Uint8Array.of(0)).update(bin).digest('hex');
}

export class ModelStore {
  readonly root: string;
  /** Writes per id in flight, so two uploads of the same model do not race on one directory. */
  private readonly writing = new Map<string, Promise<boolean>>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Creates the root and removes temp directories a crash left behind. */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const name of await readdir(this.root)) {
      if (/^[0-9a-f]{64}\.(tmp|old|deleting)-[0-9a-f]+$/.test(name)) await rm(join(this.root, name), { recursive: true, force: true });
    }
  }

  private dir(id: string): string {
    if (!isModelId(id)) throw new StoreError(`'${String(id).slice(0, 80)}' is not a model id (64 hex digits)`);
    return join(this.root, id);
  }

  /**
   * Validates and stores a model given as the text of model.json and the bytes of weights.bin.
   * Throws ModelError (from parseModel) when they do not make a valid model. `created` is false
   * when the same model was already stored.
   */
  async put(jsonText: string, bin: Uint8Array, source = 'upload'): Promise<{ id: string; created: boolean; model: Model }> {
    const parsed = parseModel(jsonText, bin, source);
    return this.putModel(parsed);
  }

  async putModel(model: Model): Promise<{ id: string; created: boolean; model: Model }> {
    const { json, bin } = serializeModel(model);
    const id = modelId(json, bin);
    const canonical = parseModel(json, bin, id);
    const pending = this.writing.get(id);
    if (pending) {
      await pending;
      return { id, created: false, model: canonical };
    }
    const write = (async () => {
      if (await this.has(id)) return false;
      await writeDirAtomic(this.dir(id), { [MODEL_JSON]: json, [WEIGHTS_BIN]: bin });
      return true;
    })();
    this.writing.set(id, write);
    try {
      return { id, created: await write, model: canonical };
    } finally {
      this.writing.delete(id);
    }
  }

  async has(id: string): Promise<boolean> {
    if (!isModelId(id)) return false;
    try {
      await access(join(this.dir(id), WEIGHTS_BIN));
      return true;
    } catch {
      return false;
    }
  }

  /** The stored model, checked again on read (a file changed on disk is reported, not served); null if absent. */
  async get(id: string): Promise<Model | null> {
    if (!isModelId(id)) return null;
    const dir = this.dir(id);
    let json: string;
    let bin: Uint8Array;
    try {
      [json, bin] = await Promise.all([readFile(join(dir, MODEL_JSON), 'utf8'), readFile(join(dir, WEIGHTS_BIN))]);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return parseModel(json, bin, `stored model ${id}`);
  }

  async list(): Promise<StoredModel[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: StoredModel[] = [];
    for (const id of names.filter(isModelId).sort()) {
      try {
        const model = await this.get(id);
        if (model) out.push({ id, model });
      } catch {
        // A directory damaged on disk is skipped in the list; GET of it names the problem.
      }
    }
    return out;
  }

  /** Removes a model; false if it was not there. The directory is renamed away first, so readers never see half of it. */
  async delete(id: string): Promise<boolean> {
    if (!(await this.has(id))) return false;
    const gone = `${this.dir(id)}.deleting-${randomBytes(6).toString('hex')}`;
    try {
      await rename(this.dir(id), gone);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    await rm(gone, { recursive: true, force: true });
    return true;
  }

  /** Whether the root is a directory this process can write. */
  async writable(): Promise<{ ok: boolean; detail: string }> {
    try {
      const s = await stat(this.root);
      if (!s.isDirectory()) return { ok: false, detail: `${this.root} is not a directory` };
      await access(this.root, constants.W_OK);
      return { ok: true, detail: `${this.root} is writable` };
    } catch (e) {
      return { ok: false, detail: `${this.root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
  }
}
