// GEMM family: C ← α·op(A)·op(B) + β·C over f32, row-major, with op() expressed as
// strides so one code path serves A·B, A·Bᵀ and Aᵀ·B. Element (i, p) of op(A) lives at
// a[i·rsA + p·csA] and element (p, j) of op(B) at b[p·rsB + j·csB] (strides in floats).
//
// Blocking follows Goto & van de Geijn, "Anatomy of high-performance matrix
// multiplication" (TOMS 2008): B is packed into KC×NR panels, A into MR×KC panels, and a
// register tile runs over them: 5×8 (10 f32x4 accumulators) in the simd build, 6×8 (12) in
// the relaxed build, where the fused madd needs no temporary register. Packing with strides
// is what makes the transposed forms run at the speed of A·B. There is no k-unroll: on this
// machine's V8 (Node 20) an unrolled loop spilled registers and ran slower, as did a 6×8
// tile in the simd build (mul + add needs a 16th register for the product).
//
// β = 0 means C is overwritten and never read (it may hold NaN). Pointers are byte
// offsets into the imported memory; `work` is a caller-owned buffer of
// f32_gemm_workspace_bytes() bytes. Nothing here allocates.
import { hsum, imin, madd } from './common';

const MR: i32 = RELAXED ? 6 : 5;
const NR = 8;
const KC = 256;
const MC: i32 = RELAXED ? 84 : 80;
const NC = 512;
// The simd build packs A pre-broadcast (4 floats per value, see pack_a); the relaxed build packs it plain.
const A_LANES: i32 = RELAXED ? 1 : 4;
const PACK_A_FLOATS = MC * KC * A_LANES;
const PACK_B_FLOATS = KC * NC;
const TILE_FLOATS = MR * NR;
const GEMV_CHUNK = PACK_A_FLOATS + PACK_B_FLOATS;

/** Bytes of the `work` buffer every GEMM entry point takes. */
export function f32_gemm_workspace_bytes(): i32 {
  return (PACK_A_FLOATS + PACK_B_FLOATS + TILE_FLOATS) * 4;
}

/** A block size ≤ max (a multiple of align) that splits total into near-equal blocks, so no block is a sliver. */
function split(total: i32, max: i32, align: i32): i32 {
  const nb = (total + max - 1) / max;
  const size = (total + nb - 1) / nb;
  return ((size + align - 1) / align) * align;
}

/** C ← β·C, the whole product when k = 0. */
function scale_c(m: i32, n: i32, c: usize, ldc: i32, beta: f32): void {
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>i * <usize>ldc << 2);
    for (let j = 0; j < n; j++) {
      const q = row + (<usize>j << 2);
      store<f32>(q, beta == 0 ? <f32>0 : beta * load<f32>(q));
    }
  }
}

// ------------------------------------------------------------------------ packing

/**
 * Packs op(A)[0:mc, 0:kc] into MR-row panels laid out [panel][p][MR], zero-padding the last
 * panel. The simd build stores every value already broadcast to a full f32x4, so its
 * micro-kernel reads A with plain v128.load, whose immediate offsets V8 folds into the
 * address, where each load32_splat costs an extra lea: that build is bound by instruction
 * count. The relaxed build has the issue slots for the lea, and there the 4× smaller
 * packed A (fewer bytes written per GEMM) measured 3-5 % faster.
 */
function pack_a(mc: i32, kc: i32, a: usize, rsA: i32, csA: i32, dst: usize): void {
  const rs = <usize>rsA << 2;
  const cs = <usize>csA << 2;
  const lane = <usize>A_LANES << 2;
  const step = <usize>MR * lane;
  const zero = f32x4.splat(0);
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = imin(MR, mc - ir);
    if (mr == MR && rsA == 1) {
      // op(A) = Aᵀ: the MR values of each p are contiguous, so a full panel walks p once
      // instead of making MR strided passes down A's columns (tn GEMMs 5-7 % faster).
      let s = a + <usize>ir * rs;
      let d = dst;
      if (RELAXED) {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          store<u64>(d, load<u64>(s, 16), 16);
          s += cs;
          d += step;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) v128.store(d + (<usize>r << 4), v128.load32_splat(s + (<usize>r << 2)));
          s += cs;
          d += step;
        }
      }
      dst += <usize>kc * step;
      continue;
    }
    for (let r = 0; r < MR; r++) {
      let d = dst + <usize>r * lane;
      if (r < mr) {
        let s = a + <usize>(ir + r) * rs;
        for (let p = 0; p < kc; p++) {
          if (RELAXED) store<f32>(d, load<f32>(s));
          else v128.store(d, v128.load32_splat(s));
          s += cs;
          d += step;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          if (RELAXED) store<f32>(d, 0);
          else v128.store(d, zero);
          d += step;
        }
      }
    }
    dst += <usize>kc * step;
  }
}

/** Stores the transpose of the 4×4 block with rows x0..x3 as four 16-byte rows 32 bytes apart (a panel of width NR). */
// @ts-ignore: decorator
@inline function transpose4(dd: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  v128.store(dd, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dd, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
  v128.store(dd, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
  v128.store(dd, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
}

/**
 * Packs op(B)[0:kc, 0:nc] into panels laid out [panel][p][w], w = NR, except a last panel
 * of ≤ 4 columns, which gets w = 4 and runs on the MR×4 edge kernel. Panel q starts at
 * q·NR·kc floats either way.
 */
function pack_b(kc: i32, nc: i32, b: usize, rsB: i32, csB: i32, dst: usize): void {
  const rs = <usize>rsB << 2;
  const cs = <usize>csB << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = imin(NR, nc - jr);
    const w = nr <= 4 ? 4 : NR;
    const src = b + <usize>jr * cs;
    const d = dst + (<usize>jr * <usize>kc << 2);
    if (nr == w && csB == 1) {
      let s = src;
      let dd = d;
      if (w == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dd, v128.load(s));
          v128.store(dd, v128.load(s, 16), 16);
          s += rs;
          dd += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          v128.store(dd, v128.load(s));
          s += rs;
          dd += 16;
        }
      }
    } else if (nr == w && rsB == 1) {
      // Bᵀ stored (the A·Bᵀ form): column j of op(B) is a contiguous row; transpose 4×4 blocks.
      const wb = <usize>w << 2;
      let g = 0;
      if (w == NR) {
        // Both 4-column groups in one pass: eight row streams in flight, and each p writes
        // whole 32-byte rows of the panel.
        const c0 = src;
        const c1 = c0 + cs, c2 = c1 + cs, c3 = c2 + cs, c4 = c3 + cs, c5 = c4 + cs, c6 = c5 + cs, c7 = c6 + cs;
        let dd = d;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const o = <usize>p << 2;
          transpose4(dd, v128.load(c0 + o), v128.load(c1 + o), v128.load(c2 + o), v128.load(c3 + o));
          transpose4(dd + 16, v128.load(c4 + o), v128.load(c5 + o), v128.load(c6 + o), v128.load(c7 + o));
          dd += 128;
        }
        for (; p < kc; p++) {
          const o = <usize>p << 2;
          store<f32>(dd, load<f32>(c0 + o));
          store<f32>(dd, load<f32>(c1 + o), 4);
          store<f32>(dd, load<f32>(c2 + o), 8);
          store<f32>(dd, load<f32>(c3 + o), 12);
          store<f32>(dd, load<f32>(c4 + o), 16);
          store<f32>(dd, load<f32>(c5 + o), 20);
          store<f32>(dd, load<f32>(c6 + o), 24);
          store<f32>(dd, load<f32>(c7 + o), 28);
          dd += 32;
        }
        g = w;
      }
      for (; g < w; g += 4) {
        const c0 = src + <usize>g * cs;
        const c1 = c0 + cs;
        const c2 = c1 + cs;
        const c3 = c2 + cs;
        let dd = d + (<usize>g << 2);
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const o = <usize>p << 2;
          const x0 = v128.load(c0 + o);
          const x1 = v128.load(c1 + o);
          const x2 = v128.load(c2 + o);
          const x3 = v128.load(c3 + o);
          const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
          const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
          v128.store(dd, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
          dd += wb;
          v128.store(dd, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
          dd += wb;
          v128.store(dd, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
          dd += wb;
          v128.store(dd, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
          dd += wb;
        }
        for (; p < kc; p++) {
          const o = <usize>p << 2;
          store<f32>(dd, load<f32>(c0 + o));
          store<f32>(dd, load<f32>(c1 + o), 4);
          store<f32>(dd, load<f32>(c2 + o), 8);
          store<f32>(dd, load<f32>(c3 + o), 12);
          dd += wb;
        }
      }
    } else {
      let dd = d;
      for (let p = 0; p < kc; p++) {
        const s = src + <usize>p * rs;
        for (let j = 0; j < w; j++) {
          store<f32>(dd, j < nr ? load<f32>(s + <usize>j * cs) : <f32>0);
          dd += 4;
        }
      }
    }
  }
}

// ------------------------------------------------------------------------ micro-kernels

/** Writes one 4-float group of C: α·x (β = 0), C + α·x (β = 1) or β·C + α·x. */
// @ts-ignore: decorator
@inline function store_c(q: usize, x: v128, va: v128, beta: f32): void {
  if (beta == 0) {
    v128.store(q, f32x4.mul(va, x));
  } else if (beta == 1) {
    v128.store(q, madd(va, x, v128.load(q)));
  } else {
    v128.store(q, madd(va, x, f32x4.mul(f32x4.splat(beta), v128.load(q))));
  }
}

/** Writes the valid mr×nr corner of a tile spilled to `tile` (row stride w floats) to C with strides rsc, csc (bytes). */
function store_edge(tile: usize, w: i32, c: usize, rsc: usize, csc: usize, mr: i32, nr: i32, alpha: f32, beta: f32): void {
  for (let r = 0; r < mr; r++) {
    const row = c + <usize>r * rsc;
    const t = tile + (<usize>(r * w) << 2);
    for (let j = 0; j < nr; j++) {
      const q = row + <usize>j * csc;
      const v = alpha * load<f32>(t + (<usize>j << 2));
      store<f32>(q, beta == 0 ? v : v + beta * load<f32>(q));
    }
  }
}

/**
 * The simd build's 5×8 register tile: 10 f32x4 accumulators + 2 B vectors + 1 A vector + the
 * product = 14 of the 15 xmm registers V8 allocates on x64. A 6×8 tile spilled; 4×8 ran ~10 % slower.
 */
function micro_5x8(kc: i32, pa: usize, pb: usize, c: usize, rsc: usize, csc: usize, mr: i32, nr: i32, alpha: f32, beta: f32, tile: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00;
  const end = pb + (<usize>kc << 5);
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load(pa, 16);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load(pa, 32);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load(pa, 48);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    a = v128.load(pa, 64);
    c40 = madd(a, b0, c40);
    c41 = madd(a, b1, c41);
    pa += 80;
    pb += 32;
  }
  const va = f32x4.splat(alpha);
  if (mr == MR && nr == NR && csc == 4) {
    store_c(c, c00, va, beta);
    store_c(c + 16, c01, va, beta);
    c += rsc;
    store_c(c, c10, va, beta);
    store_c(c + 16, c11, va, beta);
    c += rsc;
    store_c(c, c20, va, beta);
    store_c(c + 16, c21, va, beta);
    c += rsc;
    store_c(c, c30, va, beta);
    store_c(c + 16, c31, va, beta);
    c += rsc;
    store_c(c, c40, va, beta);
    store_c(c + 16, c41, va, beta);
  } else {
    v128.store(tile, c00);
    v128.store(tile, c01, 16);
    v128.store(tile, c10, 32);
    v128.store(tile, c11, 48);
    v128.store(tile, c20, 64);
    v128.store(tile, c21, 80);
    v128.store(tile, c30, 96);
    v128.store(tile, c31, 112);
    v128.store(tile, c40, 128);
    v128.store(tile, c41, 144);
    store_edge(tile, 8, c, rsc, csc, mr, nr, alpha, beta);
  }
}

/** The edge kernel for a last panel of ≤ 4 columns. */
function micro_5x4(kc: i32, pa: usize, pb: usize, c: usize, rsc: usize, csc: usize, mr: i32, nr: i32, alpha: f32, beta: f32, tile: usize): void {
  let c0 = f32x4.splat(0);
  let c1 = c0, c2 = c0, c3 = c0, c4 = c0;
  const end = pb + (<usize>kc << 4);
  while (pb < end) {
    const b0 = v128.load(pb);
    c0 = madd(v128.load(pa), b0, c0);
    c1 = madd(v128.load(pa, 16), b0, c1);
    c2 = madd(v128.load(pa, 32), b0, c2);
    c3 = madd(v128.load(pa, 48), b0, c3);
    c4 = madd(v128.load(pa, 64), b0, c4);
    pa += 80;
    pb += 16;
  }
  const va = f32x4.splat(alpha);
  if (mr == MR && nr == 4 && csc == 4) {
    store_c(c, c0, va, beta);
    store_c(c + rsc, c1, va, beta);
    store_c(c + 2 * rsc, c2, va, beta);
    store_c(c + 3 * rsc, c3, va, beta);
    store_c(c + 4 * rsc, c4, va, beta);
  } else {
    v128.store(tile, c0);
    v128.store(tile, c1, 16);
    v128.store(tile, c2, 32);
    v128.store(tile, c3, 48);
    v128.store(tile, c4, 64);
    store_edge(tile, 4, c, rsc, csc, mr, nr, alpha, beta);
  }
}

/** The 6×8 register tile of the relaxed build: 12 accumulators + 2 B + 1 A = 15 registers, no temporary (fused madd). */
function micro_6x8(kc: i32, pa: usize, pb: usize, c: usize, rsc: usize, csc: usize, mr: i32, nr: i32, alpha: f32, beta: f32, tile: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  const end = pb + (<usize>kc << 5);
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    a = v128.load32_splat(pa, 16);
    c40 = madd(a, b0, c40);
    c41 = madd(a, b1, c41);
    a = v128.load32_splat(pa, 20);
    c50 = madd(a, b0, c50);
    c51 = madd(a, b1, c51);
    pa += 24;
    pb += 32;
  }
  const va = f32x4.splat(alpha);
  if (mr == 6 && nr == NR && csc == 4) {
    store_c(c, c00, va, beta);
    store_c(c + 16, c01, va, beta);
    c += rsc;
    store_c(c, c10, va, beta);
    store_c(c + 16, c11, va, beta);
    c += rsc;
    store_c(c, c20, va, beta);
    store_c(c + 16, c21, va, beta);
    c += rsc;
    store_c(c, c30, va, beta);
    store_c(c + 16, c31, va, beta);
    c += rsc;
    store_c(c, c40, va, beta);
    store_c(c + 16, c41, va, beta);
    c += rsc;
    store_c(c, c50, va, beta);
    store_c(c + 16, c51, va, beta);
  } else {
    v128.store(tile, c00);
    v128.store(tile, c01, 16);
    v128.store(tile, c10, 32);
    v128.store(tile, c11, 48);
    v128.store(tile, c20, 64);
    v128.store(tile, c21, 80);
    v128.store(tile, c30, 96);
    v128.store(tile, c31, 112);
    v128.store(tile, c40, 128);
    v128.store(tile, c41, 144);
    v128.store(tile, c50, 160);
    v128.store(tile, c51, 176);
    store_edge(tile, 8, c, rsc, csc, mr, nr, alpha, beta);
  }
}

/** The relaxed build's edge kernel for a last panel of ≤ 4 columns. */
function micro_6x4(kc: i32, pa: usize, pb: usize, c: usize, rsc: usize, csc: usize, mr: i32, nr: i32, alpha: f32, beta: f32, tile: usize): void {
  let c0 = f32x4.splat(0);
  let c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  const end = pb + (<usize>kc << 4);
  while (pb < end) {
    const b0 = v128.load(pb);
    c0 = madd(v128.load32_splat(pa), b0, c0);
    c1 = madd(v128.load32_splat(pa, 4), b0, c1);
    c2 = madd(v128.load32_splat(pa, 8), b0, c2);
    c3 = madd(v128.load32_splat(pa, 12), b0, c3);
    c4 = madd(v128.load32_splat(pa, 16), b0, c4);
    c5 = madd(v128.load32_splat(pa, 20), b0, c5);
    pa += 24;
    pb += 16;
  }
  v128.store(tile, c0);
  v128.store(tile, c1, 16);
  v128.store(tile, c2, 32);
  v128.store(tile, c3, 48);
  v128.store(tile, c4, 64);
  v128.store(tile, c5, 80);
  store_edge(tile, 4, c, rsc, csc, mr, nr, alpha, beta);
}

/** The packed GEMM proper, with C addressed by strides (rsC, csC in floats) so the caller can run the transposed problem. */
function gemm_packed(
  m: i32, k: i32, n: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, rsC: i32, csC: i32,
  alpha: f32, beta: f32, work: usize,
): void {
  const packA = work;
  const packB = work + (<usize>PACK_A_FLOATS << 2);
  const tile = packB + (<usize>PACK_B_FLOATS << 2);
  const rsc = <usize>rsC << 2;
  const csc = <usize>csC << 2;
  const kcb = split(k, KC, 1);
  const mcb = split(m, MC, MR);
  const ncb = split(n, NC, NR);
  for (let jc = 0; jc < n; jc += ncb) {
    const nc = imin(ncb, n - jc);
    for (let pc = 0; pc < k; pc += kcb) {
      const kc = imin(kcb, k - pc);
      const be: f32 = pc == 0 ? beta : 1;
      pack_b(kc, nc, b + ((<usize>pc * <usize>rsB + <usize>jc * <usize>csB) << 2), rsB, csB, packB);
      for (let ic = 0; ic < m; ic += mcb) {
        const mc = imin(mcb, m - ic);
        pack_a(mc, kc, a + ((<usize>ic * <usize>rsA + <usize>pc * <usize>csA) << 2), rsA, csA, packA);
        const cBlock = c + <usize>ic * rsc + <usize>jc * csc;
        // The A micro-panel (kc·MR·16 or kc·MR·4 bytes) stays in L1 while the B panels stream from L2.
        for (let ir = 0; ir < mc; ir += MR) {
          const mr = imin(MR, mc - ir);
          const pa = packA + <usize>ir * <usize>kc * (<usize>A_LANES << 2);
          const cRow = cBlock + <usize>ir * rsc;
          let jr = 0;
          if (RELAXED) {
            for (; jr + NR <= nc; jr += NR) {
              micro_6x8(kc, pa, packB + (<usize>jr * <usize>kc << 2), cRow + <usize>jr * csc, rsc, csc, mr, NR, alpha, be, tile);
            }
            if (jr < nc) {
              const nr = nc - jr;
              const pb = packB + (<usize>jr * <usize>kc << 2);
              if (nr <= 4) micro_6x4(kc, pa, pb, cRow + <usize>jr * csc, rsc, csc, mr, nr, alpha, be, tile);
              else micro_6x8(kc, pa, pb, cRow + <usize>jr * csc, rsc, csc, mr, nr, alpha, be, tile);
            }
          } else {
            for (; jr + NR <= nc; jr += NR) {
              micro_5x8(kc, pa, packB + (<usize>jr * <usize>kc << 2), cRow + <usize>jr * csc, rsc, csc, mr, NR, alpha, be, tile);
            }
            if (jr < nc) {
              const nr = nc - jr;
              const pb = packB + (<usize>jr * <usize>kc << 2);
              if (nr <= 4) micro_5x4(kc, pa, pb, cRow + <usize>jr * csc, rsc, csc, mr, nr, alpha, be, tile);
              else micro_5x8(kc, pa, pb, cRow + <usize>jr * csc, rsc, csc, mr, nr, alpha, be, tile);
            }
          }
        }
      }
    }
  }
}

// ------------------------------------------------------------------------ entry points

/**
 * Packed GEMM on the MR×8 f32x4 register tile (5×8 simd, 6×8 relaxed; the export keeps its
 * first name). M < 4 goes to the gemv path. A narrow C (N < 16, M > N, e.g. the 10 logits
 * of a classifier) runs as Cᵀ = op(B)ᵀ·op(A)ᵀ, so the tile's 8 columns run along M.
 * Sizes in elements, strides in floats, pointers in bytes.
 */
export function f32_gemm_5x8__simd(
  m: i32, k: i32, n: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
  alpha: f32, beta: f32, work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scale_c(m, n, c, ldc, beta);
    return;
  }
  if (m < 4) {
    f32_gemv__simd(m, k, n, a, rsA, csA, b, rsB, csB, c, ldc, alpha, beta, work);
  } else if (n < 2 * NR && m > n) {
    gemm_packed(n, k, m, b, csB, rsB, a, csA, rsA, c, 1, ldc, alpha, beta, work);
  } else {
    gemm_packed(m, k, n, a, rsA, csA, b, rsB, csB, c, ldc, 1, alpha, beta, work);
  }
}

/**
 * y[0:n] ← α·Σₚ x[p]·B[p, 0:n] + β·y with B's rows contiguous (csB = 1). Four rows of B at a
 * time are added into an accumulator row `acc` (n floats of the workspace): B streams
 * row by row, as laid out, and each accumulator load/store is shared by four multiply-adds.
 */
function gemv_rows(k: i32, n: i32, x: usize, cx: usize, b: usize, rsb: usize, y: usize, alpha: f32, beta: f32, acc: usize): void {
  const nb = <usize>n << 2;
  const n4 = <usize>(n & ~3) << 2;
  const zero = f32x4.splat(0);
  for (let o: usize = 0; o < n4; o += 16) v128.store(acc + o, zero);
  for (let o = n4; o < nb; o += 4) store<f32>(acc + o, 0);
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const xp = x + <usize>p * cx;
    const s0 = v128.load32_splat(xp);
    const s1 = v128.load32_splat(xp + cx);
    const s2 = v128.load32_splat(xp + 2 * cx);
    const s3 = v128.load32_splat(xp + 3 * cx);
    const r0 = b + <usize>p * rsb;
    const r1 = r0 + rsb;
    const r2 = r1 + rsb;
    const r3 = r2 + rsb;
    for (let o: usize = 0; o < n4; o += 16) {
      let t = madd(s0, v128.load(r0 + o), v128.load(acc + o));
      t = madd(s1, v128.load(r1 + o), t);
      t = madd(s2, v128.load(r2 + o), t);
      v128.store(acc + o, madd(s3, v128.load(r3 + o), t));
    }
    for (let o = n4; o < nb; o += 4) {
      const t = load<f32>(acc + o) + f32x4.extract_lane(s0, 0) * load<f32>(r0 + o) + f32x4.extract_lane(s1, 0) * load<f32>(r1 + o) +
        f32x4.extract_lane(s2, 0) * load<f32>(r2 + o) + f32x4.extract_lane(s3, 0) * load<f32>(r3 + o);
      store<f32>(acc + o, t);
    }
  }
  for (; p < k; p++) {
    const s0 = v128.load32_splat(x + <usize>p * cx);
    const r0 = b + <usize>p * rsb;
    for (let o: usize = 0; o < n4; o += 16) v128.store(acc + o, madd(s0, v128.load(r0 + o), v128.load(acc + o)));
    for (let o = n4; o < nb; o += 4) store<f32>(acc + o, load<f32>(acc + o) + f32x4.extract_lane(s0, 0) * load<f32>(r0 + o));
  }
  const va = f32x4.splat(alpha);
  for (let o: usize = 0; o < n4; o += 16) store_c(y + o, v128.load(acc + o), va, beta);
  for (let o = n4; o < nb; o += 4) {
    const v = alpha * load<f32>(acc + o);
    store<f32>(y + o, beta == 0 ? v : v + beta * load<f32>(y + o));
  }
}

/** y[j] ← α·x·Bᵀ[j, :] + β·y[j] with x and the rows of Bᵀ contiguous: 8 dot products at a time. */
function gemv_dots(k: i32, n: i32, x: usize, bt: usize, ldbt: usize, y: usize, alpha: f32, beta: f32): void {
  const k4 = k & ~3;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const r0 = bt + <usize>j * ldbt;
    const r1 = r0 + ldbt, r2 = r1 + ldbt, r3 = r2 + ldbt, r4 = r3 + ldbt, r5 = r4 + ldbt, r6 = r5 + ldbt, r7 = r6 + ldbt;
    let a0 = f32x4.splat(0);
    let a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      const xv = v128.load(x + o);
      a0 = madd(xv, v128.load(r0 + o), a0);
      a1 = madd(xv, v128.load(r1 + o), a1);
      a2 = madd(xv, v128.load(r2 + o), a2);
      a3 = madd(xv, v128.load(r3 + o), a3);
      a4 = madd(xv, v128.load(r4 + o), a4);
      a5 = madd(xv, v128.load(r5 + o), a5);
      a6 = madd(xv, v128.load(r6 + o), a6);
      a7 = madd(xv, v128.load(r7 + o), a7);
    }
    for (let r = 0; r < 8; r++) {
      let s: f32 = 0;
      switch (r) {
        case 0: s = hsum(a0); break;
        case 1: s = hsum(a1); break;
        case 2: s = hsum(a2); break;
        case 3: s = hsum(a3); break;
        case 4: s = hsum(a4); break;
        case 5: s = hsum(a5); break;
        case 6: s = hsum(a6); break;
        default: s = hsum(a7); break;
      }
      const row = r0 + <usize>r * ldbt;
      for (let p = k4; p < k; p++) s += load<f32>(x + (<usize>p << 2)) * load<f32>(row + (<usize>p << 2));
      const q = y + (<usize>(j + r) << 2);
      store<f32>(q, beta == 0 ? alpha * s : alpha * s + beta * load<f32>(q));
    }
  }
  for (; j < n; j++) {
    const row = bt + <usize>j * ldbt;
    let a0 = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) a0 = madd(v128.load(x + (<usize>p << 2)), v128.load(row + (<usize>p << 2)), a0);
    let s = hsum(a0);
    for (let p = k4; p < k; p++) s += load<f32>(x + (<usize>p << 2)) * load<f32>(row + (<usize>p << 2));
    const q = y + (<usize>j << 2);
    store<f32>(q, beta == 0 ? alpha * s : alpha * s + beta * load<f32>(q));
  }
}

/** The M < 4 path: one row of C at a time, no packing. Same signature as f32_gemm_5x8__simd. */
export function f32_gemv__simd(
  m: i32, k: i32, n: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
  alpha: f32, beta: f32, work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scale_c(m, n, c, ldc, beta);
    return;
  }
  for (let i = 0; i < m; i++) {
    const x = a + (<usize>i * <usize>rsA << 2);
    const y = c + (<usize>i * <usize>ldc << 2);
    if (csB == 1) {
      // The accumulator row lives in the workspace: wider outputs go in chunks that fit.
      for (let j = 0; j < n; j += GEMV_CHUNK) {
        const o = <usize>j << 2;
        gemv_rows(k, imin(GEMV_CHUNK, n - j), x, <usize>csA << 2, b + o, <usize>rsB << 2, y + o, alpha, beta, work);
      }
    } else if (csA == 1 && rsB == 1) {
      gemv_dots(k, n, x, b, <usize>csB << 2, y, alpha, beta);
    } else {
      f32_gemm_1x4__scalar(1, k, n, x, rsA, csA, b, rsB, csB, y, ldc, alpha, beta, work);
    }
  }
}

/** Scalar twin of the family: a 1×4 register tile, no packing. Same signature. */
export function f32_gemm_1x4__scalar(
  m: i32, k: i32, n: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
  alpha: f32, beta: f32, work: usize,
): void {
  const ra = <usize>rsA << 2, ca = <usize>csA << 2, rb = <usize>rsB << 2, cb = <usize>csB << 2;
  for (let i = 0; i < m; i++) {
    const ai = a + <usize>i * ra;
    const ci = c + (<usize>i * <usize>ldc << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      let bp = b + <usize>j * cb;
      for (let p = 0; p < k; p++) {
        const av = load<f32>(ai + <usize>p * ca);
        s0 += av * load<f32>(bp);
        s1 += av * load<f32>(bp + cb);
        s2 += av * load<f32>(bp + 2 * cb);
        s3 += av * load<f32>(bp + 3 * cb);
        bp += rb;
      }
      const q = ci + (<usize>j << 2);
      if (beta == 0) {
        store<f32>(q, alpha * s0);
        store<f32>(q, alpha * s1, 4);
        store<f32>(q, alpha * s2, 8);
        store<f32>(q, alpha * s3, 12);
      } else {
        store<f32>(q, alpha * s0 + beta * load<f32>(q));
        store<f32>(q, alpha * s1 + beta * load<f32>(q, 4), 4);
        store<f32>(q, alpha * s2 + beta * load<f32>(q, 8), 8);
        store<f32>(q, alpha * s3 + beta * load<f32>(q, 12), 12);
      }
    }
    for (; j < n; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) s += load<f32>(ai + <usize>p * ca) * load<f32>(b + <usize>p * rb + <usize>j * cb);
      const q = ci + (<usize>j << 2);
      store<f32>(q, beta == 0 ? alpha * s : alpha * s + beta * load<f32>(q));
    }
  }
}
