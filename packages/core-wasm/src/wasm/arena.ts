// The one WebAssembly.Memory and the allocator over it. TypeScript owns all of memory
// above the module's static data; kernels only ever see byte offsets.
//
// - persistent blocks (weights, rule state, workspaces): first-fit over a sorted free list,
//   coalesced on release;
// - scratch: bump allocation inside chunks taken from the persistent allocator, all
//   released at once by reset(). When a step needed several chunks, reset() swaps them
//   for one chunk of the total, so the steady state is one chunk and no allocator work.
//
// Every block is 16-byte aligned (f32x4 loads need no more). The memory grows only inside
// alloc(), i.e. between kernel calls; callers must make typed-array views after any
// alloc(), since growing detaches the old buffer.
import { BackendError } from '../backend.js';

const ALIGN = 16;
const PAGE = 65536;
const MIN_SCRATCH_CHUNK = 1 << 20;
/** wasm32 addresses 4 GiB; V8 allows a memory of up to 65536 pages. */
const MAX_PAGES = 65536;

interface Block {
  off: number;
  size: number;
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

export class Arena {
  private readonly free: Block[] = [];
  private readonly used = new Map<number, number>();
  private readonly chunks: Block[] = [];
  private chunk = 0;
  private bump = 0;
  private scratchNeeded = 0;

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    const start = alignUp(base);
    const end = memory.buffer.byteLength;
    if (end > start) this.free.push({ off: start, size: end - start });
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** A persistent block of at least `bytes` bytes; its offset. */
  alloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, ALIGN));
    let i = this.free.findIndex((b) => b.size >= size);
    if (i < 0) {
      this.grow(size);
      i = this.free.findIndex((b) => b.size >= size);
    }
    const b = this.free[i];
    const off = b.off;
    if (b.size === size) this.free.splice(i, 1);
    else {
      b.off += size;
      b.size -= size;
    }
    this.used.set(off, size);
    return off;
  }

  /** Returns a persistent block to the free list. */
  release(off: number): void {
    const size = this.used.get(off);
    if (size === undefined) throw new BackendError(`arena: no live block at offset ${off}`);
    this.used.delete(off);
    let i = 0;
    while (i < this.free.length && this.free[i].off < off) i++;
    this.free.splice(i, 0, { off, size });
    const next = this.free[i + 1];
    if (next && off + size === next.off) {
      this.free[i].size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.off + prev.size === off) {
      prev.size += this.free[i].size;
      this.free.splice(i, 1);
    }
  }

  /** A scratch block of at least `bytes` bytes, valid until reset(). */
  allocScratch(bytes: number): number {
    const size = alignUp(Math.max(bytes, ALIGN));
    this.scratchNeeded += size;
    while (this.chunk < this.chunks.length) {
      const c = this.chunks[this.chunk];
      if (this.bump + size <= c.size) {
        const off = c.off + this.bump;
        this.bump += size;
        return off;
      }
      this.chunk++;
      this.bump = 0;
    }
    const chunkSize = Math.max(size, MIN_SCRATCH_CHUNK, this.scratchNeeded);
    this.chunks.push({ off: this.alloc(chunkSize), size: chunkSize });
    this.bump = size;
    return this.chunks[this.chunk].off;
  }

  /** Releases every scratch block at once. */
  reset(): void {
    if (this.chunks.length > 1) {
      const total = this.chunks.reduce((s, c) => s + c.size, 0);
      for (const c of this.chunks) this.release(c.off);
      this.chunks.length = 0;
      this.chunks.push({ off: this.alloc(total), size: total });
    }
    this.chunk = 0;
    this.bump = 0;
    this.scratchNeeded = 0;
  }

  /** Bytes in blocks handed out (persistent blocks plus scratch chunks). */
  reservedBytes(): number {
    let n = 0;
    for (const s of this.used.values()) n += s;
    return n;
  }

  private grow(size: number): void {
    const end = this.byteLength;
    const last = this.free[this.free.length - 1];
    const tail = last && last.off + last.size === end ? last.size : 0;
    const needPages = Math.ceil((size - tail) / PAGE);
    const havePages = end / PAGE;
    // Grow by at least a quarter, so a run of allocations does not grow page by page.
    const pages = Math.min(Math.max(needPages, Math.ceil(havePages / 4)), MAX_PAGES - havePages);
    if (pages < needPages) {
      throw new BackendError(
        `wasm-simd: out of memory: ${size} more bytes requested with ${end} bytes in use of the 4 GiB a wasm32 memory can address`,
      );
    }
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new BackendError(`wasm-simd: out of memory: growing the memory by ${pages * PAGE} bytes failed (${(e as Error).message})`);
    }
    if (tail > 0) last.size += pages * PAGE;
    else this.free.push({ off: end, size: pages * PAGE });
  }
}
