import type { DropReason } from './translate/DropReporter.js';

/** What the exporter has done since it was created: a cheap snapshot from `getStats()`. */
export interface ExporterStats {
  /** Calls to `export`, and how many of them reported FAILED. */
  exports: number;
  failedExports: number;
  /** Datums CloudWatch accepted (a histogram with more than 150 buckets takes more than one). */
  datumsExported: number;
  /** Data points (or datums, for `rejected-by-cloudwatch`) left out, by reason. */
  dropped: Record<DropReason, number>;
  /** PutMetricData requests (not counting the SDK's retries of them) and those that failed after retries. */
  requests: number;
  failedRequests: number;
  /** Extra attempts the SDK's retry strategy made (throttling, 5xx, dropped connections). */
  retries: number;
  /** Extra requests made to isolate datums CloudWatch refused. */
  isolationRequests: number;
  /** Request bodies before compression, and as sent on the wire (every attempt counted in both). */
  uncompressedBytes: number;
  wireBytes: number;
  /** Attempts whose body went out gzip-compressed. */
  compressedRequests: number;
  /** Streams whose cumulative state is kept to compute deltas. */
  deltaStreams: number;
}

/** The counters behind {@link ExporterStats}, shared by the stages that update them. */
export type StatsCounters = Omit<ExporterStats, 'dropped' | 'deltaStreams'>;

export function newCounters(): StatsCounters {
  return {
    exports: 0,
    failedExports: 0,
    datumsExported: 0,
    requests: 0,
    failedRequests: 0,
    retries: 0,
    isolationRequests: 0,
    uncompressedBytes: 0,
    wireBytes: 0,
    compressedRequests: 0,
  };
}
