import type { Delivery, DeliveryRun, DeliveryRunOptions, DeliveryStats } from '../deliver/Delivery.js';
import { MAX_EMF_DOCUMENT_BYTES, MAX_EMF_METRICS, MAX_EMF_VALUES } from '../limits.js';
import { newDiscards, type DiscardReason } from '../send/RetryBuffer.js';
import type { DropReporter } from '../stats/DropReporter.js';
import { addCounters, newCounters, type StatsCounters } from '../stats/ExporterStats.js';
import { EmfDimensionCache, type EmfLimits } from './EmfDocuments.js';
import { emfExporterClosed } from './emfInUse.js';
import { EmfRun, type EmfRunContext, type Group } from './EmfRun.js';
import type { EmfStream } from './EmfStream.js';

/**
 * Delivery as Embedded Metric Format: each export's datums become JSON documents, one per line, written to a
 * stream (stdout by default) for CloudWatch Logs to extract — in Lambda, or on ECS through the awslogs driver. No
 * request, no permission beyond writing logs, nothing kept for later. Datums that share a timestamp and dimensions
 * share documents (up to 100 metrics each), so a run holds its datums until `finish`, then writes them a slice at a
 * time, giving the event loop a turn every few milliseconds. Every line is handed to the stream whole, so it never
 * interleaves with the application's own output.
 *
 * A datum counts as exported once the stream has taken it (its write's callback). A stream that errs fails the
 * export, and what it did not take is counted `fatal`; a stream still full at the deadline keeps what it was given,
 * and the rest of the export is not written (counted `overflow`), so that a stalled stdout never grows without bound.
 */
export class EmfDelivery implements Delivery {
  readonly maxValuesPerDatum = MAX_EMF_VALUES;
  private readonly limits: EmfLimits = { maxMetrics: MAX_EMF_METRICS, maxBytes: MAX_EMF_DOCUMENT_BYTES };
  /** The exporter's own: it goes when the exporter does. */
  private readonly cache = new EmfDimensionCache();
  private readonly totals: StatsCounters = newCounters();
  private readonly running = new Set<StatsCounters>();
  private readonly discarded: Record<DiscardReason, number> = newDiscards();
  private closed = false;

  constructor(
    private readonly namespace: string,
    private readonly stream: EmfStream,
    private readonly drops: DropReporter,
  ) {}

  begin({ deadline }: DeliveryRunOptions): DeliveryRun {
    // By timestamp, then by dimensions: the datums of one export nearly all share one timestamp (and one Date).
    const groups = new Map<number, Map<string, Group>>();
    let lastTimestamp: Date | undefined;
    let byDimensions: Map<string, Group> | undefined;
    return {
      add: (datum) => {
        if (datum.Timestamp !== lastTimestamp || byDimensions === undefined) {
          lastTimestamp = datum.Timestamp;
          const t = lastTimestamp.getTime();
          byDimensions = groups.get(t);
          if (byDimensions === undefined) groups.set(t, (byDimensions = new Map()));
        }
        const group = byDimensions.get(datum.dimensionsJson);
        if (group === undefined) {
          const timestamp = lastTimestamp.getTime();
          byDimensions.set(datum.dimensionsJson, { timestamp, dimensionsJson: datum.dimensionsJson, datums: [datum] });
        } else {
          group.datums.push(datum);
        }
      },
      finish: () => new EmfRun(this.context, deadline).write(groups),
    };
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  /** A run writes locally and quickly: nothing to bring forward. */
  hurry(): void {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    emfExporterClosed();
  }

  stats(): DeliveryStats {
    const counters = { ...this.totals };
    for (const running of this.running) addCounters(counters, running);
    return { counters, discarded: { ...this.discarded }, retryBuffer: { requests: 0, bytes: 0 } };
  }

  /** What a run needs of its delivery. */
  private get context(): EmfRunContext {
    return {
      namespace: this.namespace,
      stream: this.stream,
      limits: this.limits,
      cache: this.cache,
      drops: this.drops,
      totals: this.totals,
      running: this.running,
      discarded: this.discarded,
    };
  }
}
