/*
 * Whether this process writes EMF: the Lambda wrapper flushes after every invocation then (a local write, nothing to
 * wait for), however the exporter was set up. Counts the EMF exporters built and not yet shut down.
 */
let emfExporters = 0;

/** Called when an exporter that writes EMF is built. */
export function noteEmfExporter(): void {
  emfExporters++;
}

/** Whether an exporter of this process writes EMF. */
export function emfInUse(): boolean {
  return emfExporters > 0;
}

/** Called when an exporter that writes EMF is shut down. */
export function emfExporterClosed(): void {
  emfExporters = Math.max(0, emfExporters - 1);
}
