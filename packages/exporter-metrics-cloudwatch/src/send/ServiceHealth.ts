/**
 * What the exporter last learned about reaching CloudWatch, shared by every export. Once a request has failed
 * all its attempts for a transient reason, CloudWatch is taken to be down: exports then keep their requests in
 * the retry buffer and send one request at a time as a probe, rather than pounding a throttled or failing service;
 * the first request that lands brings it back up.
 */
export class ServiceHealth {
  private isDown = false;
  private probe = false;
  /** The last error that took the service down, for the export's report. */
  lastError: Error | undefined;

  get down(): boolean {
    return this.isDown;
  }

  markDown(error: Error): void {
    this.isDown = true;
    this.lastError = error;
  }

  markUp(): void {
    this.isDown = false;
    this.lastError = undefined;
  }

  /** While down, claims the one probe; false if another request is probing already. */
  claimProbe(): boolean {
    if (this.probe) return false;
    this.probe = true;
    return true;
  }

  releaseProbe(): void {
    this.probe = false;
  }
}
