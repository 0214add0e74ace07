import type { CloudWatchClient, Entity, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { sliceCborBatch, type Batch, type PackLimits } from '../pack/Batch.js';
import { cborBatchDatums } from '../pack/cbor/cborBatchDatums.js';
import { Packer } from '../pack/Packer.js';
import type { StatsCounters } from '../stats/ExporterStats.js';
import { report } from '../util/report.js';
import { isCborRefusal } from './isCborRefusal.js';
import { putMetricDataCommand } from './putMetricDataCommand.js';
import type { RequestTransport } from './RequestTransport.js';
import { classifyFailure, type FailureKind } from './retryPolicy.js';

/** What the transport needs to fall back from CBOR to JSON. */
export interface JsonFallback {
  limits: PackLimits;
  /** A client that speaks AWS JSON 1.0, made on first use. */
  jsonClient: () => CloudWatchClient;
  /** Told of a datum too large for a request once it is JSON (it is dropped, the rest is sent). */
  onOversized: (datum: MetricDatum) => void;
}

/** PutMetricData through the AWS SDK's client, which compresses, signs and (unless told not to) retries. */
export class PutMetricDataTransport implements RequestTransport {
  readonly requestName = 'PutMetricData';
  readonly unit = 'datum';
  /** Set once the endpoint turned a CBOR request down as a format it does not speak: JSON from then on. */
  cborRefused = false;

  constructor(
    private readonly client: CloudWatchClient,
    private readonly namespace: string,
    /** Told what CloudWatch found wrong with a request's entity (it stored the datums without it). */
    private readonly onEntityFailure?: (failure: string, entity: Entity | undefined) => void,
    /** Given when the client speaks CBOR: how to go on in JSON if the endpoint does not. */
    private readonly fallback?: JsonFallback,
  ) {}

  async send(
    batch: Batch,
    abortSignal: AbortSignal,
    counters: StatsCounters,
    onWire: () => void,
  ): Promise<number | void> {
    const fallback = this.fallback;
    if (fallback === undefined) return this.sendWith(this.client, batch, abortSignal, counters, onWire);
    // Packed as JSON once CBOR was turned down.
    if (batch.envelope.cbor === undefined) {
      return this.sendWith(fallback.jsonClient(), batch, abortSignal, counters, onWire);
    }
    let triedCbor = false;
    if (!this.cborRefused) {
      try {
        triedCbor = true;
        return await this.sendWith(this.client, batch, abortSignal, counters, onWire);
      } catch (err) {
        if (!isCborRefusal(err)) throw err;
        if (!this.cborRefused) {
          this.cborRefused = true;
          report(
            'warn',
            `the endpoint does not speak CBOR (${describeRefusal(err)}): PutMetricData goes as JSON from now on, ` +
              'starting with the requests it refused',
          );
        }
      }
    }
    return this.sendAsJson(batch, abortSignal, counters, onWire, fallback, triedCbor);
  }

  classify(err: unknown, aborted: boolean): FailureKind {
    return classifyFailure(err, aborted);
  }

  /** CloudWatch's API says nothing of when to come back: the backoff decides. */
  retryAfterMillis(): undefined {
    return undefined;
  }

  private async sendWith(
    client: CloudWatchClient,
    batch: Batch,
    abortSignal: AbortSignal,
    counters: StatsCounters,
    onWire: () => void,
  ): Promise<void> {
    const command = putMetricDataCommand(client, this.namespace, batch, counters, this.onEntityFailure, onWire);
    await client.send(command, { abortSignal });
  }

  /**
   * A CBOR request sent as JSON: its datums read back and packed again — into more than one request when JSON
   * makes them too large for one. The requests go one after the other; each that lands is cut off the batch, so
   * that an attempt that fails part way and is tried again never sends a datum twice.
   */
  private async sendAsJson(
    batch: Batch,
    abortSignal: AbortSignal,
    counters: StatsCounters,
    onWire: () => void,
    { limits, jsonClient, onOversized }: JsonFallback,
    /** Whether this attempt already sent the request as CBOR (the sender counted that one). */
    afterCbor: boolean,
  ): Promise<number> {
    const client = jsonClient();
    const datums = cborBatchDatums(batch);
    const packer = new Packer(this.namespace, limits, undefined, false, batch.envelope.entity);
    for (const d of datums) packer.add(d);
    packer.finish();
    // Each JSON request, with how many of the batch's datums it accounts for: those it carries, in order, and
    // those left out among them for being too large (the last one also takes any left out after it).
    const left = new Set(packer.oversized);
    let next = 0;
    const parts = packer.batches.map((json) => {
      const from = next;
      for (let need = json.count; need > 0; next++) if (!left.has(datums[next]!)) need--;
      return { json, covers: next - from };
    });
    if (parts.length > 0) parts[parts.length - 1]!.covers += datums.length - next;
    const { oversized } = packer;
    // Reported on the first attempt only: a retry sends what is left of the batch, and would find them again.
    if (!batch.oversizedReported) oversized.forEach(onOversized);
    batch.oversizedReported = true;
    for (const [i, { json, covers }] of parts.entries()) {
      // The sender counted one request for this attempt: the CBOR one refused, or else the first part.
      if (i > 0 || afterCbor) counters.requests++;
      await this.sendWith(client, json, abortSignal, counters, onWire);
      if (i < parts.length - 1) {
        // The sender counts the batch's datums when it lands: these are counted now, and cut off it.
        counters.datumsExported += json.count;
        Object.assign(batch, sliceCborBatch(batch, covers, batch.count));
      }
    }
    // Left out, so not exported: the sender takes them off the batch's count.
    return batch.count - (parts.at(-1)?.json.count ?? 0);
  }
}

function describeRefusal(err: unknown): string {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return `HTTP ${e.$metadata?.httpStatusCode ?? '?'}, ${e.name ?? 'an error'}`;
}
