// Progress goes out at most every `ms` for the frequent kinds (batch, attack-progress) and at
// once for the rest (start, epoch, attack-done, done, …), so a fast loop neither floods the
// queue or the event stream nor hides a milestone.
import type { JobProgressInfo, ProgressEvent } from './types.js';

const FREQUENT = new Set(['batch', 'attack-progress']);

export class ProgressThrottle {
  private last = 0;
  private pending: JobProgressInfo | null = null;

  constructor(
    private readonly send: (p: JobProgressInfo) => void,
    private readonly ms = 200,
  ) {}

  push(event: ProgressEvent, fraction: number): void {
    const p: JobProgressInfo = { fraction: Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0)), event };
    const now = Date.now();
    if (FREQUENT.has(event.type) && now - this.last < this.ms) {
      this.pending = p;
      return;
    }
    this.pending = null;
    this.last = now;
    this.send(p);
  }

  flush(): void {
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      this.send(p);
    }
  }
}
