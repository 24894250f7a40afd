// Data-set fingerprints: sha256 over a canonical header and the raw bytes of x and y. In Node
// the hashing runs in node:crypto (≈ 1.7 GB/s here); elsewhere in @noble/hashes (≈ 95 MB/s,
// pure JS). Both compute the same SHA-256, so a fingerprint made in a browser matches one
// made on a server.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export interface FingerprintParts {
  readonly header: unknown;
  readonly x: Float32Array;
  readonly y: Int32Array;
}

const FINGERPRINT_FORMAT = 1;

function asBytes(a: Float32Array | Int32Array): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    // Typed arrays use the platform's byte order; the fingerprint is defined little-endian.
    const copy = new Uint8Array(a.byteLength);
    const view = new DataView(copy.buffer);
    for (let i = 0; i < a.length; i++) {
      if (a instanceof Float32Array) view.setFloat32(4 * i, a[i], true);
      else view.setInt32(4 * i, a[i], true);
    }
    return copy;
  }
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** JSON with object keys sorted, so the header hashes the same whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    }
    return v;
  });
}

interface Hasher {
  update(bytes: Uint8Array): void;
  hex(): string;
}

async function nodeHasher(): Promise<Hasher | null> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return null;
  try {
    const crypto = await import('node:crypto');
    if (typeof crypto.createHash !== 'function') return null;
    const h = crypto.createHash('sha256');
    return { update: (b) => void h.update(b), hex: () => h.digest('hex') };
  } catch {
    return null;
  }
}

function nobleHasher(): Hasher {
  const h = sha256.create();
  return { update: (b) => void h.update(b), hex: () => bytesToHex(h.digest()) };
}

/**
 * sha256 hex of: canonical JSON of `{ format: 1, ...header }`, a newline byte, the bytes of x
 * (float32 little-endian), the bytes of y (int32 little-endian).
 */
export async function fingerprintOf(parts: FingerprintParts, opts: { pureJs?: boolean } = {}): Promise<string> {
  const h = (opts.pureJs ? null : await nodeHasher()) ?? nobleHasher();
  h.update(new TextEncoder().encode(canonicalJson({ format: FINGERPRINT_FORMAT, ...(parts.header as object) }) + '\n'));
  const x = asBytes(parts.x);
  // Chunked so the pure-JS hasher never holds a huge intermediate.
  const CHUNK = 1 << 22;
  for (let o = 0; o < x.length; o += CHUNK) h.update(x.subarray(o, Math.min(x.length, o + CHUNK)));
  h.update(asBytes(parts.y));
  return h.hex();
}
