import { AsyncLocalStorage } from 'node:async_hooks';
import { MAX_TIMER_MS } from '../defaults.js';

/*
 * A deadline for the exports and flushes started while some code runs, whatever path leads from that code to the
 * exporter: a Lambda flush calls `MeterProvider.forceFlush()`, whose reader exports through the SDK's own calls,
 * none of which can carry a time limit to the exporter. The store follows those calls across their awaits.
 */
const scope = new AsyncLocalStorage<number>();

/** Runs `fn` so that exports and flushes it starts end by `deadline` (epoch ms) at the latest. */
export function withDeadline<T>(deadline: number, fn: () => T): T {
  // Within a scope whose deadline is earlier, that one still holds.
  return scope.run(scopedDeadline(deadline), fn);
}

/** `own`, or the deadline of the scope this runs in when that one is earlier. */
export function scopedDeadline(own: number): number {
  const imposed = scope.getStore();
  return imposed === undefined ? own : Math.min(own, imposed);
}

/** Waits for `work`, or until `deadline` (epoch ms), whichever comes first; never rejects. */
export async function untilDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    // A timer cannot wait longer than 2^31 − 1 ms (and fires at once if asked to): an unbounded wait is that long.
    timer = setTimeout(resolve, Math.min(Math.max(0, deadline - Date.now()), MAX_TIMER_MS));
    timer.unref?.();
  });
  try {
    await Promise.race([
      work.then(
        () => undefined,
        () => undefined,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
