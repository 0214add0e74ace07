// Error codes (query-compatible Code and the SDK's modeled names) that mean "this request's content is invalid":
// retrying it as is cannot help, but resending its datums in smaller groups can isolate the bad ones.
const INVALID = new Set([
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidParameterCombination',
  'InvalidParameterCombinationException',
  'MissingParameter',
  'MissingRequiredParameterException',
  'RequestEntityTooLarge',
]);

interface ServiceErrorLike {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Whether CloudWatch refused a request for its content (400 invalid parameter, or 413). */
export function isInvalidRequestError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as ServiceErrorLike;
  return INVALID.has(e.Code ?? '') || INVALID.has(e.name ?? '') || e.$metadata?.httpStatusCode === 413;
}

/** A short description of a service error, never including the request. */
export function describeError(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const e = err as ServiceErrorLike & { message?: string };
  return `${e.Code ?? e.name ?? 'Error'}: ${e.message ?? ''}`.trim();
}
