import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { readEmfLine, type ExtractedDatum } from './validateEmf';

/** A document the extractor refused, with every rule it breaks. */
export interface EmfRefusal {
  line: string;
  problems: string[];
}

/** Datums per PutMetricData request the extractor makes (CloudWatch's own limit). */
const MAX_DATUMS = 1000;

/**
 * CloudWatch Logs' metric extraction on loopback: reads log output line by line (from a LocalLambda's stdout, a
 * child process, or anything written to it), checks each EMF document against the specification (see
 * validateEmf), and stores the metrics of every valid one through a CloudWatch endpoint — the local CloudWatch's
 * front door, so that they are checked again and read back exactly as PutMetricData's are. A refused document
 * stores nothing and is kept in `refused` with its reasons; ordinary output lines are left alone.
 *
 * It is also a writable for the exporter's `emfStream`: `write(chunk, callback)`.
 */
export class EmfExtractor {
  readonly refused: EmfRefusal[] = [];
  /** Valid EMF documents read, and the datums they gave. */
  documents = 0;
  /** Bytes of the EMF lines read (refused ones too), newlines included: what CloudWatch Logs would ingest for them. */
  bytes = 0;
  datums = 0;
  /** Lines that were ordinary output. */
  logLines = 0;
  private partial = '';
  private queue: Array<{ namespace: string; datums: MetricDatum[] }> = [];
  private storing: Promise<void> = Promise.resolve();
  private storeError: unknown;

  /** `ownsClient`: whether `close()` destroys the client. */
  constructor(
    private readonly client: CloudWatchClient,
    private readonly now: () => number = Date.now,
    private readonly ownsClient = false,
  ) {}

  /** Stores what is left, then releases the client if it is the extractor's own. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      if (this.ownsClient) this.client.destroy();
    }
  }

  /** Takes output as it comes: a chunk may end mid-line, the rest of the line comes with the next one. */
  write(chunk: string | Buffer, callback?: (error?: Error | null) => void): boolean {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.readLine(line);
    callback?.(null);
    return true;
  }

  /** Reads `stream` to its end, line by line; resolves once everything it gave is stored. */
  async readFrom(stream: AsyncIterable<string | Buffer>): Promise<void> {
    for await (const chunk of stream) this.write(chunk);
    await this.flush();
  }

  /** Resolves once every complete line written so far is stored (the last line, without its newline, too). */
  async flush(): Promise<void> {
    if (this.partial !== '') {
      this.readLine(this.partial);
      this.partial = '';
    }
    this.startStoring();
    await this.storing;
    if (this.storeError !== undefined) {
      const error = this.storeError;
      this.storeError = undefined;
      throw error;
    }
  }

  private readLine(line: string): void {
    if (line.trim() === '') return;
    const read = readEmfLine(line, this.now());
    if (read.kind === 'log') {
      this.logLines++;
      return;
    }
    this.bytes += Buffer.byteLength(line) + 1;
    if (read.kind === 'refused') {
      this.refused.push({ line: line.length > 2000 ? `${line.slice(0, 2000)}…` : line, problems: read.problems });
      return;
    }
    this.documents++;
    for (const { namespace, datums } of read.directives) {
      this.datums += datums.length;
      for (let i = 0; i < datums.length; i += MAX_DATUMS) {
        this.queue.push({ namespace, datums: datums.slice(i, i + MAX_DATUMS).map(toMetricDatum) });
      }
    }
    this.startStoring();
  }

  private startStoring(): void {
    const batches = this.queue;
    if (batches.length === 0) return;
    this.queue = [];
    this.storing = this.storing.then(async () => {
      for (const { namespace, datums } of batches) {
        try {
          await this.client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: datums }));
        } catch (error) {
          this.storeError ??= error;
        }
      }
    });
  }
}

/** The SDK's type wants its own unit union; the referee checked the unit is one of them. */
const toMetricDatum = (d: ExtractedDatum): MetricDatum => d as MetricDatum;
