import { diag } from '@opentelemetry/api';

type Level = 'error' | 'warn' | 'info' | 'debug';

/** Writes one diagnostic line of a component. Never throws. */
export type Report = (level: Level, message: string, ...args: unknown[]) => void;

/**
 * A component's channel to OpenTelemetry's `diag` (`diag.createComponentLogger`: its lines go out under the
 * component's name, so that a logger can tell them apart), never throwing: the logger is the user's code, and a
 * logger that throws must not lose data, leave an export unanswered, or turn into an unhandled rejection.
 */
function componentReport(namespace: string): Report {
  const logger = diag.createComponentLogger({ namespace });
  return (level, message, ...args) => {
    try {
      logger[level](message, ...args);
    } catch {
      // Nothing sensible to do: the one channel for saying so is what failed.
    }
  };
}

/** The exporter's diagnostics (translation, rules, entities, delivery). */
export const report = componentReport('CloudWatchMetricExporter');
/** The Lambda wrapper's diagnostics. */
export const reportLambda = componentReport('wrapLambdaHandler');
