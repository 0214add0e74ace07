/*
 * Whether this process writes EMF: the Lambda wrapper flushes after every invocation then (a local write, nothing to
 * wait for), however the exporter was set up. Counted when an EMF exporter is built; never reset, as an exporter
 * that was shut down no longer exports anything anyway.
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
