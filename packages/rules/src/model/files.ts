// Model directories on disk, written atomically: both files go to a temporary sibling
// directory that is renamed into place, so a crash or Ctrl-C never leaves a half-written
// model. Node built-ins are imported lazily so this package still loads in a browser.
import { parseModel, serializeModel, ModelError, type Model } from './format.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

async function node() {
  const [fs, path, crypto] = await Promise.all([import('node:fs/promises'), import('node:path'), import('node:crypto')]);
  return { fs, path, crypto };
}

/** Writes files into `dir` atomically (temp directory + rename); replaces an existing directory. */
export async function writeDirAtomic(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const { fs, path, crypto } = await node();
  const target = path.resolve(dir);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tag = crypto.randomBytes(6).toString('hex');
  const tmp = `${target}.tmp-${tag}`;
  await fs.mkdir(tmp);
  try {
    for (const [name, data] of Object.entries(files)) {
      const fh = await fs.open(path.join(tmp, name), 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    let old: string | null = null;
    try {
      await fs.rename(tmp, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR') throw e;
      old = `${target}.old-${tag}`;
      await fs.rename(target, old);
      await fs.rename(tmp, target);
    }
    if (old) await fs.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Writes one file atomically (temp file in the same directory + rename). */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const { fs, path, crypto } = await node();
  const target = path.resolve(file);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${crypto.randomBytes(6).toString('hex')}`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export async function saveModel(dir: string, model: Model): Promise<void> {
  const { json, bin } = serializeModel(model);
  await writeDirAtomic(dir, { [MODEL_JSON]: json, [WEIGHTS_BIN]: bin });
}

export async function loadModel(dir: string): Promise<Model> {
  const { fs, path } = await node();
  const jsonPath = path.join(dir, MODEL_JSON);
  const binPath = path.join(dir, WEIGHTS_BIN);
  let json: string;
  let bin: Uint8Array;
  try {
    json = await fs.readFile(jsonPath, 'utf8');
  } catch (e) {
    throw new ModelError(`${dir}: cannot read ${MODEL_JSON} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); a model directory holds ${MODEL_JSON} and ${WEIGHTS_BIN}`);
  }
  try {
    bin = new Uint8Array(await fs.readFile(binPath));
  } catch (e) {
    throw new ModelError(`${dir}: cannot read ${WEIGHTS_BIN} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseModel(json, bin, dir);
}
