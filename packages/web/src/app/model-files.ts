// The files of a model the user picked: model.json and weights.bin, loose, from a folder, or
// inside a .zip (as the dashboard downloads them).
import { unzipSync } from 'fflate';

export interface ModelFiles {
  json: string;
  bin: Uint8Array;
  source: string;
}

/** model.json and weights.bin from what the user picked: loose files, a folder, or a .zip. */
export async function modelFilesFrom(files: readonly File[]): Promise<ModelFiles> {
  if (files.length === 0) throw new Error('Load a model: no file was chosen');
  let entries: { name: string; bytes: () => Promise<Uint8Array> }[] = [];
  let source = files.length === 1 ? files[0].name : `${files.length} files`;
  for (const f of files) {
    if (/\.zip$/i.test(f.name)) {
      let unpacked: Record<string, Uint8Array>;
      try {
        unpacked = unzipSync(new Uint8Array(await f.arrayBuffer()));
      } catch (e) {
        throw new Error(`${f.name} is not a readable .zip file (${(e as Error).message})`);
      }
      source = f.name;
      for (const [name, bytes] of Object.entries(unpacked)) entries.push({ name, bytes: async () => bytes });
    } else {
      entries.push({ name: f.webkitRelativePath || f.name, bytes: async () => new Uint8Array(await f.arrayBuffer()) });
    }
  }
  const base = (n: string) => n.split('/').pop() ?? n;
  entries = entries.filter((e) => !base(e.name).startsWith('.'));
  const json = entries.find((e) => base(e.name) === 'model.json');
  const bin = entries.find((e) => base(e.name) === 'weights.bin');
  if (!json || !bin) {
    const tfjs = entries.some((e) => /group\d+-shard/.test(base(e.name)));
    throw new Error(
      `${source}: a Plasticity model needs model.json and weights.bin (found ${entries.map((e) => base(e.name)).join(', ') || 'nothing'})` +
        (tfjs ? '; this looks like a TensorFlow.js export, which is for tfjs, not for loading back here' : ''),
    );
  }
  const text = new TextDecoder('utf-8').decode(await json.bytes());
  return { json: text, bin: await bin.bytes(), source };
}
