/** Gives the event loop a turn (timers, I/O) before going on: long work is cut into slices with it. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
