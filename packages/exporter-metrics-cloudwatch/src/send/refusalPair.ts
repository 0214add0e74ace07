/*
 * Telling a refused request from a refused datum. CloudWatch refuses a whole PutMetricData for one bad datum, and
 * the sender splits the request in halves to find it; but an endpoint may refuse a request for something no datum
 * holds (a member it does not know, such as EntityMetricData). Both halves then come back refused the parent's
 * way, word for word, naming no datum — a datum's refusal names its place (`MetricData.member.3`), and two halves
 * may each hold a bad datum at the same place — and splitting further would spend requests to drop every datum.
 */

/** The two halves of a refused request, and how they were answered so far. */
export interface RefusalPair<T> {
  /** How the parent was refused (see refusalSignature). */
  signature: string;
  /** Halves not answered yet. */
  open: number;
  /** A half refused the parent's way, waiting to learn how its sibling fares. */
  waiting: { item: T; error: unknown } | undefined;
}

/** A pair for the halves of a request refused with `error`; undefined when the refusal names a datum. */
export function newRefusalPair<T>(error: unknown): RefusalPair<T> | undefined {
  const signature = refusalSignature(error);
  if (/MetricData\.member\.\d/.test(signature)) return undefined;
  return { signature, open: 2, waiting: undefined };
}

/** A refusal in words that compare: its code and message. */
export function refusalSignature(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as { name?: string; Code?: string; message?: string };
  return `${e.Code ?? e.name ?? ''}\u0000${e.message ?? ''}`;
}
