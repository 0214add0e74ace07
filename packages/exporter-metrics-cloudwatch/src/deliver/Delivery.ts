import type { Entity } from '@aws-sdk/client-cloudwatch';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { DiscardReason } from '../send/RetryBuffer.js';
import type { SeriesCounter } from '../stats/SeriesCounter.js';
import type { StatsCounters } from '../stats/ExporterStats.js';
import type { TranslatedDatum } from '../translate/TranslatedDatum.js';

/**
 * The seam at the end of the pipeline: "deliver this export to CloudWatch". Metric rules come before it and are the
 * same whatever the path; so is translation into CloudWatch datums, for the paths that take datums (PutMetricData,
 * EMF on stdout). The OTLP endpoint takes OpenTelemetry's own data model: its runs take metrics, untranslated.
 * Each path is one implementation, which owns how the data is packed, sent, retried and kept.
 */
export interface Delivery {
  /** The most values (and counts) one datum may carry on this path: translation splits distributions to fit. */
  readonly maxValuesPerDatum: number;
  /** Starts delivering one export's datums, to be over by `deadline` (epoch ms). */
  begin(run: DeliveryRunOptions): DeliveryRun;
  /** Sends what earlier runs kept for later, until it is gone or `deadline`. Never rejects. */
  drain(deadline: number): Promise<void>;
  /**
   * Makes the runs still delivering end by `deadline` if theirs is later (a shutdown is coming: what they have not
   * sent by then is kept, and goes first in the next run).
   */
  hurry(deadline: number): void;
  /** Gives up whatever is still kept (counted) and releases what the delivery holds. Idempotent. */
  close(): void;
  /** What it has done so far, the runs still going included. */
  stats(): DeliveryStats;
}

export interface DeliveryRunOptions {
  deadline: number;
  /** When the export's data was collected. */
  createdAt: number;
  /** The entity of the export's resource, when entities are on. */
  entity: Entity | undefined;
  /** The export's resource. */
  resource: Resource;
  /** Counts the series the export publishes, on a path that takes metrics (translation counts them elsewhere). */
  series?: SeriesCounter;
}

/** One export's delivery: datums go in as they are translated, so that sending overlaps translating. */
export interface DeliveryRun {
  /** Takes one datum; a plain function, so that translation may call it on its own (it runs for every point). */
  readonly add: (datum: TranslatedDatum) => void;
  /**
   * On a path that takes OpenTelemetry's data model (the OTLP endpoint): takes each metric as its rule publishes
   * it, untranslated, and `add` is never called.
   */
  readonly addMetric?: (scope: InstrumentationScope, metric: MetricData) => void;
  /** Whether its datums are written as CBOR: translation then prepares them for it (see TranslateContext). */
  readonly writesCbor?: boolean;
  /** No more datums: sends (or keeps) what is queued, by the run's deadline (rejecting only on a bug of ours). */
  finish(): Promise<DeliveryResult>;
}

export interface DeliveryResult {
  /** Why the export must report FAILED, or undefined when every datum landed or was deliberately dropped. */
  problem: Error | undefined;
  /** What this run did (already in the delivery's totals). */
  counters: StatsCounters;
  /** Requests this run left for later. */
  kept: number;
}

export interface DeliveryStats {
  counters: StatsCounters;
  discarded: Record<DiscardReason, number>;
  retryBuffer: { requests: number; bytes: number };
}
