import type { CloudWatchClient, Entity } from '@aws-sdk/client-cloudwatch';
import type { Batch } from '../pack/Batch.js';
import type { StatsCounters } from '../stats/ExporterStats.js';
import { putMetricDataCommand } from './putMetricDataCommand.js';
import type { RequestTransport } from './RequestTransport.js';
import { classifyFailure, type FailureKind } from './retryPolicy.js';

/** PutMetricData through the AWS SDK's client, which compresses, signs and (unless told not to) retries. */
export class PutMetricDataTransport implements RequestTransport {
  readonly requestName = 'PutMetricData';
  readonly unit = 'datum';
  constructor(
    private readonly client: CloudWatchClient,
    private readonly namespace: string,
    /** Told what CloudWatch found wrong with a request's entity (it stored the datums without it). */
    private readonly onEntityFailure?: (failure: string, entity: Entity | undefined) => void,
  ) {}

  async send(batch: Batch, abortSignal: AbortSignal, counters: StatsCounters, onWire: () => void): Promise<void> {
    const command = putMetricDataCommand(this.client, this.namespace, batch, counters, this.onEntityFailure, onWire);
    await this.client.send(command, { abortSignal });
  }

  classify(err: unknown, aborted: boolean): FailureKind {
    return classifyFailure(err, aborted);
  }

  /** CloudWatch's API says nothing of when to come back: the backoff decides. */
  retryAfterMillis(): undefined {
    return undefined;
  }
}
