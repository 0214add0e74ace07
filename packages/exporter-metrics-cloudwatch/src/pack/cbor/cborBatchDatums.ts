import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { cbor } from '@smithy/core/cbor';
import type { Batch } from '../Batch.js';

interface DecodedInput {
  MetricData?: Array<Record<string, unknown>>;
  EntityMetricData?: Array<{ MetricData?: Array<Record<string, unknown>> }>;
}

/**
 * The datums of a CBOR request body, read back with the AWS SDK's own CBOR decoder: for the rare reader of a
 * batch that kept no datums (a JSON fallback, a message naming a metric).
 */
export function cborBatchDatums(batch: Batch): MetricDatum[] {
  const input = cbor.deserialize(batch.body) as DecodedInput;
  const data = input.MetricData ?? input.EntityMetricData?.[0]?.MetricData ?? [];
  return data.map((d) => {
    const datum: Record<string, unknown> = { ...d };
    const t = d['Timestamp'] as { tag?: number; value?: number } | undefined;
    // Seconds with a fraction: rounded back to the millisecond they were made from.
    if (t !== undefined) datum['Timestamp'] = new Date(Math.round(Number(t.value) * 1000));
    return datum as unknown as MetricDatum;
  });
}
