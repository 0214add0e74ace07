import type { Delivery, DeliveryResult, DeliveryRun, DeliveryRunOptions, DeliveryStats } from '../deliver/Delivery.js';
import { MAX_EMF_DOCUMENT_BYTES, MAX_EMF_METRICS, MAX_EMF_VALUES } from '../limits.js';
import type { DiscardReason } from '../send/RetryBuffer.js';
import type { DropReporter } from '../stats/DropReporter.js';
import { addCounters, newCounters, type StatsCounters } from '../stats/ExporterStats.js';
import type { TranslatedDatum } from '../translate/TranslatedDatum.js';
import { describeThrown } from '../util/describeThrown.js';
import { report } from '../util/report.js';
import { yieldToEventLoop } from '../util/yieldToEventLoop.js';
import { EmfDimensionCache, emfDocuments, type EmfLimits } from './EmfDocuments.js';
import { emfExporterClosed } from './emfInUse.js';

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

/** Longest stretch of document writing before the event loop gets a turn. */
const SLICE_MS = 3;
/** Datums of one group made into documents between two looks at the clock. */
const SLICE_DATUMS = 200;
/** Documents are handed to the stream in chunks of whole lines of about this size: fewer writes. */
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
  private readonly discarded: Record<DiscardReason, number> = {
    overflow: 0,
    expired: 0,
    shutdown: 0,
    'unknown-outcome': 0,
    fatal: 0,
  };
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
      finish: () => new EmfRun(this, deadline).write(groups),
    };
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

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
  get context() {
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

/** One export's writing. */
class EmfRun {
  private readonly c: EmfDelivery['context'];
  private readonly counters = newCounters();
  private failure: unknown;
  /** Datums handed to the stream whose write has not called back yet. */
  private pending = 0;
  private settledWrites: Promise<void> = Promise.resolve();
  private chunk = '';
  private chunkDatums = 0;
  private chunkDocuments = 0;
  /** Whether the run is over: later callbacks go to the delivery's totals. */
  private over = false;
  /** Datums of writes the stream answered with an error. */
  private failedDatums = 0;
  /** Resolves when the stream fails, so that waiting on it stops at once. */
  private failed!: () => void;
  private readonly failing = new Promise<void>((resolve) => (this.failed = resolve));
  /** The stream's errors while this run writes (a stream that errs with nobody listening would end the process). */
  private readonly onError = (error: unknown) => this.fail(error);

  constructor(
    delivery: EmfDelivery,
    private readonly deadline: number,
  ) {
    this.c = delivery.context;
  }

  async write(groups: Map<number, Map<string, Group>>): Promise<DeliveryResult> {
    const { stream, running } = this.c;
    running.add(this.counters);
    stream.once?.('error', this.onError);
    let unwritten = 0;
    let overflow = 0;
    try {
      let sliceStart = performance.now();
      let groupsSinceClock = 0;
      for (const byDimensions of groups.values()) {
        for (const group of byDimensions.values()) {
          const { datums } = group;
          for (let i = 0; i < datums.length; i += SLICE_DATUMS) {
            const part = datums.length <= SLICE_DATUMS ? datums : datums.slice(i, i + SLICE_DATUMS);
            if (this.failure !== undefined) {
              unwritten += part.length;
              continue;
            }
            if (overflow > 0) {
              overflow += part.length;
              continue;
            }
            this.document(group, part);
            if (this.chunk.length >= CHUNK_CHARS && !(await this.flush())) overflow += this.takeChunk();
            // The clock is read every few groups: reading it costs more than a small document.
            if ((part.length > 16 || ++groupsSinceClock >= 16) && performance.now() - sliceStart > SLICE_MS) {
              groupsSinceClock = 0;
              await yieldToEventLoop();
              sliceStart = performance.now();
            }
          }
        }
      }
      if (this.failure === undefined && overflow === 0 && !(await this.flush())) overflow += this.takeChunk();
      unwritten += this.takeChunk();
      // The stream has until the deadline to take what it was handed.
      if (this.pending > 0) await this.until(this.settledWrites);
      unwritten += this.failedDatums;
    } finally {
      this.over = true;
      running.delete(this.counters);
      addCounters(this.c.totals, this.counters);
      // Errors of a write still in flight come after its callback: listen one more turn.
      setImmediate(() => stream.removeListener?.('error', this.onError));
    }
    if (unwritten > 0) this.c.discarded.fatal += unwritten;
    if (overflow > 0) {
      this.c.discarded.overflow += overflow;
      report(
        'warn',
        `the EMF stream stayed full until the export's deadline: ${overflow} datums were not written ` +
          '(counted in getStats().discarded.overflow)',
      );
    }
    return { problem: this.problem(unwritten, overflow), counters: this.counters, kept: 0 };
  }

  private problem(unwritten: number, overflow: number): Error | undefined {
    if (this.failure !== undefined) {
      return new Error(
        `writing EMF failed: ${describeThrown(this.failure)}` +
          (unwritten > 0 ? ` (${unwritten} datums not written)` : ''),
      );
    }
    if (overflow > 0) return new Error(`the EMF stream stayed full: ${overflow} datums not written`);
    if (this.pending > 0) return new Error(`the EMF stream had not written ${this.pending} datums by the deadline`);
    return undefined;
  }

  /** Makes the documents of (part of) a group and adds them to the chunk. */
  private document(group: Group, datums: readonly TranslatedDatum[]): void {
    let dropped = 0;
    const docs = emfDocuments(
      this.c.namespace,
      group.timestamp,
      group.dimensionsJson,
      datums,
      this.c.limits,
      (d, why) => {
        dropped++;
        this.c.drops.drop(d.MetricName, 'rejected-by-cloudwatch', why);
      },
      this.c.cache,
    );
    for (const doc of docs) this.chunk += `${doc}\n`;
    this.chunkDocuments += docs.length;
    this.chunkDatums += datums.length - dropped;
  }

  /** Empties the chunk; answers how many datums it held. */
  private takeChunk(): number {
    const datums = this.chunkDatums;
    this.chunk = '';
    this.chunkDatums = 0;
    this.chunkDocuments = 0;
    return datums;
  }

  /**
   * Hands the chunk to the stream. A full stream is waited for (its `'drain'`) until the deadline; false when it is
   * still full then, and the chunk is left unwritten.
   */
  private async flush(): Promise<boolean> {
    if (this.chunk === '') return true;
    if (this.c.stream.writableNeedDrain === true && !(await this.drained())) return false;
    const text = this.chunk;
    const datums = this.chunkDatums;
    const documents = this.chunkDocuments;
    const bytes = Buffer.byteLength(text);
    this.takeChunk();
    let done!: () => void;
    const written = new Promise<void>((resolve) => (done = resolve));
    this.settledWrites = Promise.all([this.settledWrites, written]).then(() => {});
    this.pending += datums;
    let full: boolean;
    try {
      full = !this.c.stream.write(text, (error) => {
        this.pending -= datums;
        if (error) this.fail(error, datums);
        else this.taken(datums, documents, bytes);
        done();
      });
    } catch (error) {
      this.pending -= datums;
      this.fail(error, datums);
      done();
      return true;
    }
    if (full && !(await this.drained())) {
      // What it took is in its buffer and goes out when it can; nothing more is given to it.
      return false;
    }
    return true;
  }

  private taken(datums: number, documents: number, bytes: number): void {
    const into = this.over ? this.c.totals : this.counters;
    into.datumsExported += datums;
    into.emfDocuments += documents;
    into.emfBytes += bytes;
  }

  /** The stream failed; `datums` of a write it did not take are given up (counted `fatal`). */
  private fail(error: unknown, datums = 0): void {
    if (this.over) this.c.discarded.fatal += datums;
    else this.failedDatums += datums;
    if (this.failure === undefined) {
      this.failure = error ?? new Error('the stream failed');
      this.failed();
    }
  }

  /** Whether the stream drained before the deadline (or failed: then there is no point waiting). */
  private async drained(): Promise<boolean> {
    const { stream } = this.c;
    if (typeof stream.once !== 'function') return true;
    let listener!: () => void;
    const drain = new Promise<void>((resolve) => (listener = resolve));
    stream.once('drain', listener);
    let drainedInTime = false;
    await this.until(drain.then(() => void (drainedInTime = true)));
    stream.removeListener?.('drain', listener);
    return drainedInTime && this.failure === undefined;
  }

  /** Waits for `work` until the deadline or a failure of the stream; the timer never keeps the process alive. */
  private async until(work: Promise<void>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, this.deadline - Date.now()));
      timer.unref?.();
    });
    await Promise.race([work, late, this.failing]);
    clearTimeout(timer);
  }
}
