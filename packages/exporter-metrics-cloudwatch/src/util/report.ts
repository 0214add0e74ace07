import { diag } from '@opentelemetry/api';

type Level = 'error' | 'warn' | 'debug';

/**
 * Writes to OpenTelemetry's `diag`, never throwing: the logger is the user's code, and a logger that throws must
 * not lose data, leave an export unanswered, or turn into an unhandled rejection.
 */
export function report(level: Level, message: string, ...args: unknown[]): void {
  try {
    diag[level](message, ...args);
  } catch {
    // Nothing sensible to do: the one channel for saying so is what failed.
  }
}
