import type { Entity, MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { PackLimits } from './Batch.js';
import { Packer } from './Packer.js';

/** Packs a whole list at once (see {@link Packer}). */
export function packDatums(
  namespace: string,
  datums: readonly MetricDatum[],
  limits: PackLimits,
  entity?: Entity,
): Packer {
  const packer = new Packer(namespace, limits, undefined, true, entity);
  for (const d of datums) packer.add(d);
  packer.finish();
  return packer;
}
