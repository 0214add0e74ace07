/**
 * What was thrown, in words, whatever it was: an error's name and message, short — enough to find the cause, too
 * little to carry user data far. Never throws (an error whose message getter throws included).
 */
export function describeThrown(err: unknown): string {
  try {
    const text = err instanceof Error ? `${err.name}: ${err.message}` : `thrown ${typeof err}`;
    return text.length > 160 ? `${text.slice(0, 159)}…` : text;
  } catch {
    return 'an unreadable error';
  }
}

/** What was thrown, as an Error: itself when it is one, else an Error that describes it. Never throws. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(describeThrown(err));
}
