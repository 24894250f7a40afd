import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprintOf } from './fingerprint.js';

describe('fingerprintOf', () => {
  const x = Float32Array.from({ length: 3 * (1 << 20) + 5 }, (_, i) => Math.sin(i)); // spans several hash chunks
  const y = Int32Array.from({ length: 1000 }, (_, i) => i % 7);
  const header = { task: { kind: 'all' }, name: 'demo' };

  it('is sha256 of canonical header, newline, x bytes, y bytes; node:crypto and pure JS agree', async () => {
    const ref = createHash('sha256')
      .update('{"format":1,"name":"demo","task":{"kind":"all"}}\n')
      .update(new Uint8Array(x.buffer))
      .update(new Uint8Array(y.buffer))
      .digest('hex');
    expect(await fingerprintOf({ header, x, y })).toBe(ref);
    expect(await fingerprintOf({ header, x, y }, { pureJs: true })).toBe(ref);
  });

  it('changes with one label, one feature bit or the header', async () => {
    const base = await fingerprintOf({ header, x, y });
    const y2 = y.slice();
    y2[500] = (y2[500]! + 1) % 7;
    const x2 = x.slice();
    x2[12345] = Math.fround(x2[12345]! + 1e-7);
    expect(await fingerprintOf({ header, x, y: y2 })).not.toBe(base);
    expect(await fingerprintOf({ header, x: x2, y })).not.toBe(base);
    expect(await fingerprintOf({ header: { ...header, name: 'other' }, x, y })).not.toBe(base);
  });

  it('canonical JSON sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });
});
