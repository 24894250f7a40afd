// The data sets the page can train on, and fetching their files from the page's own origin
// (made at build time by scripts/prepare-data.ts; see the README for sizes). Files are gzip'd
// and unpacked here with the browser's DecompressionStream.
import { DataError, parseCsv, type CsvTable, type DatasetSpec } from '@plasticity/rules';
import type { DataPayload } from '../worker/protocol.js';

export type WebDatasetName = 'mnist' | 'fashion-mnist' | 'iris' | 'csv';

export interface WebDataset {
  name: WebDatasetName;
  label: string;
  classNames: readonly string[] | null;
  /** What the page downloads for it. */
  download: string;
}

export interface ManifestFile {
  path: string;
  bytes: number;
  rawBytes: number;
}
export interface DataManifest {
  layout: number;
  sets: Record<string, { origin: string; files: ManifestFile[] }>;
}

const dataUrl = (path: string) => new URL(`data/${path}`, document.baseURI).href;

let manifest: Promise<DataManifest> | null = null;
export function fetchManifest(): Promise<DataManifest> {
  manifest ??= fetch(dataUrl('manifest.json')).then(async (r) => {
    if (!r.ok) throw new DataError(`data/manifest.json: HTTP ${r.status}; the data files are made by \`npm run build -w @plasticity/web\` (scripts/prepare-data.ts)`);
    return (await r.json()) as DataManifest;
  });
  manifest.catch(() => {
    manifest = null;
  });
  return manifest;
}

async function fetchGunzip(file: ManifestFile, onBytes: (n: number) => void): Promise<Uint8Array> {
  const r = await fetch(dataUrl(file.path));
  if (!r.ok || !r.body) throw new DataError(`data/${file.path}: HTTP ${r.status}`);
  // Some static servers send a .gz file with Content-Encoding: gzip, and the browser unpacks it
  // on the way in; others send the gzip bytes as they are. The bytes tell which (IDX files
  // start with 0x00, gzip with 0x1f 0x8b).
  const unpacking = /gzip/i.test(r.headers.get('content-encoding') ?? '');
  let seen = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      seen += chunk.byteLength;
      onBytes(unpacking ? Math.round((seen / file.rawBytes) * file.bytes) : seen);
      ctl.enqueue(chunk);
    },
  });
  let out = new Uint8Array(await new Response(r.body.pipeThrough(counter)).arrayBuffer());
  if (out[0] === 0x1f && out[1] === 0x8b) {
    const unzipped = new Blob([out]).stream().pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
    out = new Uint8Array(await new Response(unzipped).arrayBuffer());
  }
  if (out.byteLength !== file.rawBytes) throw new DataError(`data/${file.path}: unpacked to ${out.byteLength} bytes, expected ${file.rawBytes}`);
  return out;
}

const payloads = new Map<string, Promise<DataPayload>>();

/** The files of an image data set (fetched once per page), with download progress in bytes. */
export function imagePayload(name: 'mnist' | 'fashion-mnist', onProgress: (done: number, total: number) => void): Promise<DataPayload> {
  let p = payloads.get(name);
  if (!p) {
    p = (async () => {
      const m = await fetchManifest();
      const set = m.sets[name];
      if (!set) throw new DataError(`data/manifest.json has no ${name} files`);
      const total = set.files.reduce((s, f) => s + f.bytes, 0);
      const seen = set.files.map(() => 0);
      const files = await Promise.all(
        set.files.map((f, i) =>
          fetchGunzip(f, (n) => {
            seen[i] = n;
            onProgress(seen.reduce((a, b) => a + b, 0), total);
          }),
        ),
      );
      return { kind: 'idx', name, origin: set.origin, files } satisfies DataPayload;
    })();
    payloads.set(name, p);
    p.catch(() => payloads.delete(name));
  }
  return p;
}

/** A CSV the user dropped: parsed here first so a bad file is reported at once. */
export function checkCsv(text: string, fileName: string, label: string): CsvTable {
  return parseCsv(text, `csv: ${fileName}`, { label });
}

/** Column names of a CSV's header row (for the label picker). */
export function csvHeader(text: string): string[] {
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return first
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .filter((s) => s.length > 0);
}

/** The spec the CLI would build from the same choices (`plasticity train --dataset … --classes …`). */
export function describeSpec(spec: DatasetSpec): string {
  const parts: string[] = [spec.name === 'csv' ? `csv ${spec.path ?? ''}` : spec.name];
  if (spec.classes) parts.push(`classes ${spec.classes.join(',')}`);
  if (spec.oneVsRest !== undefined) parts.push(`${spec.oneVsRest} vs rest`);
  if (spec.balance) parts.push('balanced');
  if (spec.perClassCap) parts.push(`≤ ${spec.perClassCap} rows/class`);
  return parts.join(', ');
}
