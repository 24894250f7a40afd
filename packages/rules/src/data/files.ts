// File access for the Node loaders. Node modules are imported inside the functions so that
// importing @plasticity/rules in a browser never touches them.
import { DataError } from './errors.js';

function describeFsError(err: unknown): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'is not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    default:
      return `cannot be read (${(err as Error).message ?? String(err)})`;
  }
}

export function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Read a whole file; a missing or unreadable file is a DataError naming it and `expected`. */
export async function readBytes(path: string, who: string, expected: string): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  try {
    const b = await fs.readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    throw new DataError(`${who}: ${path} ${describeFsError(err)}; expected ${expected}`, { subject: path, cause: err });
  }
}

export async function readText(path: string, who: string, expected: string): Promise<string> {
  return new TextDecoder('utf-8').decode(await readBytes(path, who, expected));
}

/** Check that `dir` is an existing folder; `option` names the option it came from. */
export async function checkDir(dir: string, who: string, option: string, expected: string): Promise<string> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const abs = path.resolve(dir);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch (err) {
    throw new DataError(`${who}: ${option} ${abs} ${describeFsError(err)}; expected a folder holding ${expected}`, { subject: abs, cause: err });
  }
  if (!stat.isDirectory()) throw new DataError(`${who}: ${option} ${abs} is a file, not a folder; expected a folder holding ${expected}`, { subject: abs });
  return abs;
}

/**
 * Read `dir/name`, or else `dir/name.gz` decompressed (the form in which the MNIST and
 * Fashion-MNIST IDX files are distributed). Returns the bytes and the path read.
 */
export async function readMaybeGzipped(dir: string, name: string, who: string, expected: string): Promise<{ bytes: Uint8Array; path: string }> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const plain = path.join(dir, name);
  try {
    const b = await fs.readFile(plain);
    return { bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength), path: plain };
  } catch (err) {
    if (!isMissing(err)) throw new DataError(`${who}: ${plain} ${describeFsError(err)}; expected ${expected}`, { subject: plain, cause: err });
  }
  const gz = `${plain}.gz`;
  let compressed: Uint8Array;
  try {
    compressed = await fs.readFile(gz);
  } catch (err) {
    if (isMissing(err)) throw new DataError(`${who}: ${plain} does not exist (nor ${name}.gz); expected ${expected}`, { subject: plain, cause: err });
    throw new DataError(`${who}: ${gz} ${describeFsError(err)}; expected ${expected}`, { subject: gz, cause: err });
  }
  const zlib = await import('node:zlib');
  const { promisify } = await import('node:util');
  try {
    const b = await promisify(zlib.gunzip)(compressed);
    return { bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength), path: gz };
  } catch (err) {
    throw new DataError(`${who}: ${gz} is not a valid gzip file (${(err as Error).message}); expected ${expected}`, { subject: gz, cause: err });
  }
}

/** The folder of an installed npm package, and its version. */
export async function packageDir(pkg: string, who: string): Promise<{ dir: string; version: string }> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
  } catch (err) {
    throw new DataError(`${who}: the npm package ${pkg} is not installed (it is a dependency of @plasticity/rules: run npm install)`, { subject: pkg, cause: err });
  }
  const version = (JSON.parse(await readText(manifest, who, `the package.json of ${pkg}`)) as { version?: string }).version ?? '?';
  return { dir: path.dirname(manifest), version };
}

export async function pathExists(p: string): Promise<boolean> {
  const fs = await import('node:fs/promises');
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}
