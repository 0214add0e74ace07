/**
 * Where EMF documents are written: `process.stdout` by default, or any writable stream (a file, a pipe, a test's
 * buffer). `write(chunk, callback)` is needed; `once`/`removeListener` for `'drain'` and `'error'`, and
 * `writableNeedDrain`, are used when there.
 *
 * @beta
 */
export interface EmfStream {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  once?(event: 'drain' | 'error', listener: (...args: unknown[]) => void): unknown;
  removeListener?(event: 'drain' | 'error', listener: (...args: unknown[]) => void): unknown;
  readonly writableNeedDrain?: boolean;
}
