import type { Delivery, DeliveryResult, DeliveryRun, DeliveryRunOptions, DeliveryStats } from '../deliver/Delivery.js';
import { MAX_EMF_DOCUMENT_BYTES, MAX_EMF_METRICS, MAX_EMF_VALUES } from '../limits.js';
import type { DiscardReason } from '../send/RetryBuffer.js';
import type { DropReporter } from '../stats/DropReporter.js';
import { addCounters, newCounters, type StatsCounters } from '../stats/ExporterStats.js';
import type { TranslatedDatum } from '../translate/TranslatedDatum.js';
import { describeThrown } from '../util/describeThrown.js';
import { yieldToEventLoop } from '../util/yieldToEventLoop.js';
import { emfDocuments, type EmfLimits } from './EmfDocuments.js';

/**
 * Where EMF documents are written: `process.stdout` by default, or any writable stream (a file, a pipe, a test's
 * buffer). Only `write` is needed; `once('drain')` is used, when there, to wait while the stream is full.
 *
 * @beta
 */
export interface EmfStream {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

/** Longest stretch of document writing before the event loop gets a turn. */
const SLICE_MS = 3;
/** Documents are handed to the stream in chunks of whole lines up to about this size: fewer writes. */
const CHUNK_CHARS = 64 * 1024;

/** Datums of one export that share a timestamp and dimensions: they may share EMF documents. */
interface Group {
  timestamp: number;
  dimensionsJson: string;
  datums: TranslatedDatum[];
}

/**
 * Delivery as Embedded Metric Format: each export's datums become JSON documents, one per line, written to a
 * stream (stdout by default) for CloudWatch Logs to extract — in Lambda, or on ECS through the awslogs driver. No
 * request, no permission beyond writing logs, nothing kept for later: a document is out once it is written.
 * Datums that share a timestamp and dimensions share documents (up to 100 metrics each), so a run holds its datums
 * until `finish`, then writes them a slice at a time, giving the event loop a turn every few milliseconds. Every
 * line is handed to the stream whole, in one `write`, so it never interleaves with the application's own output.
 */
export class EmfDelivery implements Delivery {
  readonly maxValuesPerDatum = MAX_EMF_VALUES;
  private readonly limits: EmfLimits = { maxMetrics: MAX_EMF_METRICS, maxBytes: MAX_EMF_DOCUMENT_BYTES };
  private readonly totals: StatsCounters = newCounters();
  private readonly running = new Set<StatsCounters>();
  private readonly discarded: Record<DiscardReason, number> = {
    overflow: 0,
    expired: 0,
    shutdown: 0,
    'unknown-outcome': 0,
    fatal: 0,
  };

  constructor(
    private readonly namespace: string,
    private readonly stream: EmfStream,
    private readonly drops: DropReporter,
  ) {}

  begin({ deadline }: DeliveryRunOptions): DeliveryRun {
    const groups = new Map<string, Group>();
    return {
      add: (datum) => {
        const timestamp = datum.Timestamp.getTime();
        // The timestamp's digits, then the dimensions' JSON (which starts with "["): one key per group.
        const key = timestamp + datum.dimensionsJson;
        const group = groups.get(key);
        if (group === undefined) groups.set(key, { timestamp, dimensionsJson: datum.dimensionsJson, datums: [datum] });
        else group.datums.push(datum);
      },
      finish: () => this.write(groups, deadline),
    };
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}

  stats(): DeliveryStats {
    const counters = { ...this.totals };
    for (const running of this.running) addCounters(counters, running);
    return { counters, discarded: { ...this.discarded }, retryBuffer: { requests: 0, bytes: 0 } };
  }

  /** Writes a run's documents, a slice at a time; past the deadline it stops waiting for a full stream, not writing. */
  private async write(groups: Map<string, Group>, deadline: number): Promise<DeliveryResult> {
    const counters = newCounters();
    this.running.add(counters);
    let failure: unknown;
    let unwritten = 0;
    let chunk = '';
    let chunkDatums = 0;
    let chunkDocuments = 0;
    let dropped = 0;
    const onDrop = (d: TranslatedDatum, why: string) => {
      dropped++;
      this.drops.drop(d.MetricName, 'rejected-by-cloudwatch', why);
    };
    const noteError = (error?: Error | null) => {
      if (error && failure === undefined) failure = error;
    };
    const flush = async (last: boolean): Promise<void> => {
      if (chunk === '') return;
      const text = chunk;
      const datums = chunkDatums;
      const documents = chunkDocuments;
      chunk = '';
      chunkDatums = 0;
      chunkDocuments = 0;
      if (failure !== undefined) {
        unwritten += datums;
        return;
      }
      let taken: Promise<void> | undefined;
      let full: boolean;
      try {
        if (last) {
          // The last chunk is confirmed: the export ends once the stream has taken everything (or said why not).
          let done!: () => void;
          taken = new Promise<void>((resolve) => (done = resolve));
          full = !this.stream.write(text, (error) => {
            noteError(error);
            done();
          });
        } else {
          full = !this.stream.write(text, noteError);
        }
      } catch (error) {
        failure = error;
        unwritten += datums;
        return;
      }
      counters.datumsExported += datums;
      counters.emfDocuments += documents;
      counters.emfBytes += Buffer.byteLength(text);
      if (taken) await until(taken, deadline);
      else if (full) await until(this.drained(), deadline);
    };
    try {
      let sliceStart = performance.now();
      for (const group of groups.values()) {
        dropped = 0;
        const { timestamp, dimensionsJson, datums } = group;
        const docs = emfDocuments(this.namespace, timestamp, dimensionsJson, datums, this.limits, onDrop);
        for (const doc of docs) chunk += `${doc}\n`;
        chunkDocuments += docs.length;
        chunkDatums += datums.length - dropped;
        if (chunk.length >= CHUNK_CHARS) await flush(false);
        if (performance.now() - sliceStart > SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
      await flush(true);
    } finally {
      this.running.delete(counters);
      addCounters(this.totals, counters);
    }
    if (unwritten > 0) this.discarded.fatal += unwritten;
    const problem =
      failure === undefined
        ? undefined
        : new Error(
            `writing EMF failed: ${describeThrown(failure)}` +
              (unwritten > 0 ? ` (${unwritten} datums not written)` : ''),
          );
    return { problem, counters, kept: 0 };
  }

  /** When a full stream has drained (at once, for a stream that cannot say). */
  private drained(): Promise<void> {
    const once = this.stream.once;
    if (typeof once !== 'function') return Promise.resolve();
    return new Promise((resolve) => once.call(this.stream, 'drain', () => resolve()));
  }
}

/** Waits for `work`, until `deadline` (epoch ms) at most; the timer never keeps the process alive. */
function until(work: Promise<void>, deadline: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    timer.unref?.();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
