/**
 * The exporter's requests in flight, across every export running at once: an export the reader gave up on must
 * not add its requests to the next one's. First come, first served.
 */
export class RequestSlots {
  private free: number;
  private readonly waiting: Array<(granted: boolean) => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves true once a slot is held (give it back with `release`), or false if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = (granted: boolean) => {
        signal.removeEventListener('abort', onAbort);
        resolve(granted);
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.free++;
  }
}
