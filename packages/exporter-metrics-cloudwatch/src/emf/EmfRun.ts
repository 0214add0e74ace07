import type { DeliveryResult } from '../deliver/Delivery.js';
import type { DiscardReason } from '../send/RetryBuffer.js';
import type { DropReporter } from '../stats/DropReporter.js';
import { addCounters, newCounters, type StatsCounters } from '../stats/ExporterStats.js';
import type { TranslatedDatum } from '../translate/TranslatedDatum.js';
import { describeThrown } from '../util/describeThrown.js';
import { report } from '../util/report.js';
import { yieldToEventLoop } from '../util/yieldToEventLoop.js';
import type { EmfStream } from './EmfStream.js';
import { emfDocuments, type EmfDimensionCache, type EmfLimits } from './EmfDocuments.js';

/** Longest stretch of document writing before the event loop gets a turn. */
const SLICE_MS = 3;
/** Datums of one group made into documents between two looks at the clock. */
const SLICE_DATUMS = 200;
/** Documents are handed to the stream in chunks of whole lines of about this size: fewer writes. */
const CHUNK_CHARS = 64 * 1024;

/** Datums of one export that share a timestamp and dimensions: they may share EMF documents. */
export interface Group {
  timestamp: number;
  dimensionsJson: string;
  datums: TranslatedDatum[];
}

/** What a run shares with its delivery: where it writes, how, and the delivery's counts. */
export interface EmfRunContext {
  namespace: string;
  stream: EmfStream;
  limits: EmfLimits;
  cache: EmfDimensionCache;
  drops: DropReporter;
  totals: StatsCounters;
  running: Set<StatsCounters>;
  discarded: Record<DiscardReason, number>;
}

/** One export's writing. */
export class EmfRun {
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
    private readonly c: EmfRunContext,
    private readonly deadline: number,
  ) {}

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
