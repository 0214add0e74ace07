import type { CloudWatchClient, Entity } from '@aws-sdk/client-cloudwatch';
import { sliceCborBatch, type Batch, type PackLimits } from '../pack/Batch.js';
import { cborBatchDatums } from '../pack/cbor/cborBatchDatums.js';
import { packDatums } from '../pack/packDatums.js';
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

  async send(batch: Batch, abortSignal: AbortSignal, counters: StatsCounters, onWire: () => void): Promise<void> {
    const fallback = this.fallback;
    if (fallback === undefined) return this.sendWith(this.client, batch, abortSignal, counters, onWire);
    // Packed as JSON once CBOR was turned down.
    if (batch.envelope.cbor === undefined) {
      return this.sendWith(fallback.jsonClient(), batch, abortSignal, counters, onWire);
    }
    if (!this.cborRefused) {
      try {
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
    return this.sendAsJson(batch, abortSignal, counters, onWire, fallback);
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
    { limits, jsonClient }: JsonFallback,
  ): Promise<void> {
    const client = jsonClient();
    const datums = cborBatchDatums(batch);
    const { batches, oversized } = packDatums(this.namespace, datums, limits, batch.envelope.entity);
    if (oversized.length > 0) {
      throw new Error(`${oversized.length} datums of a CBOR request are larger than maxRequestBytes as JSON`);
    }
    for (const [i, json] of batches.entries()) {
      await this.sendWith(client, json, abortSignal, counters, onWire);
      if (i < batches.length - 1) {
        // The sender counts the batch's datums when it lands: these are counted now, and cut off it.
        counters.datumsExported += json.count;
        Object.assign(batch, sliceCborBatch(batch, json.count, batch.count));
      }
    }
  }
}

function describeRefusal(err: unknown): string {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return `HTTP ${e.$metadata?.httpStatusCode ?? '?'}, ${e.name ?? 'an error'}`;
}
