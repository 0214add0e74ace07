import { CloudWatchClient, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import { EmfExtractor } from './EmfExtractor';
import { EXTRACTOR_USER_AGENT, FrontDoor, OTLP_METRICS_PATH, type Fault, type RecordedRequest } from './FrontDoor';
import { MotoServer } from './MotoServer';
import type { OtlpPoint } from './otlpPoints';
import type { Credentials } from './verifySigV4';

/** The test credentials the front door accepts. They open nothing outside this machine. */
export const LOCAL_CREDENTIALS: Credentials = {
  accessKeyId: 'AKIDLOCALCLOUDWATCH',
  secretAccessKey: 'local-cloudwatch-test-secret',
};
export const LOCAL_REGION = 'us-east-1';

export interface LocalCloudWatchOptions {
  /** See FrontDoorOptions.strictDistributions. Default true. */
  strictDistributions?: boolean;
  /** The loopback port of the front door (the endpoint). Default 0: a free port. */
  port?: number;
  /**
   * Speak Smithy RPC v2 CBOR (see FrontDoorOptions.cbor): false plays an endpoint that predates it, answering CBOR
   * requests 404. Default true; `frontDoor.setCbor` switches it at run time.
   */
  cbor?: boolean;
}

/** moto behind the strict front door, both on loopback: a CloudWatch that needs no AWS account. */
export class LocalCloudWatch {
  private constructor(
    readonly moto: MotoServer,
    readonly frontDoor: FrontDoor,
  ) {}

  /** Starts moto and the front door. Throws MotoUnavailableError when moto_server is not installed. */
  static async start(options: LocalCloudWatchOptions = {}): Promise<LocalCloudWatch> {
    const moto = await MotoServer.start();
    const frontDoor = new FrontDoor({
      upstream: moto.endpoint,
      credentials: LOCAL_CREDENTIALS,
      strictDistributions: options.strictDistributions ?? true,
      cbor: options.cbor ?? true,
    });
    try {
      await frontDoor.start(options.port ?? 0);
    } catch (err) {
      await moto.stop();
      throw err;
    }
    return new LocalCloudWatch(moto, frontDoor);
  }

  /** The endpoint clients should use: the front door. */
  get endpoint(): string {
    return this.frontDoor.endpoint;
  }

  /** The URL of the OTLP metrics endpoint (CloudWatch's `https://monitoring.<region>.amazonaws.com/v1/metrics`). */
  get otlpEndpoint(): string {
    return `${this.frontDoor.endpoint}${OTLP_METRICS_PATH}`;
  }

  /** Client configuration that reaches this CloudWatch (region, endpoint, test credentials). */
  clientConfig(extra: CloudWatchClientConfig = {}): CloudWatchClientConfig {
    return { region: LOCAL_REGION, endpoint: this.endpoint, credentials: LOCAL_CREDENTIALS, ...extra };
  }

  /** A fresh client for this CloudWatch; the caller destroys it. */
  client(extra: CloudWatchClientConfig = {}): CloudWatchClient {
    return new CloudWatchClient(this.clientConfig(extra));
  }

  get requests(): RecordedRequest[] {
    return this.frontDoor.requests;
  }

  get violations(): RecordedRequest[] {
    return this.frontDoor.violations;
  }

  /** PutMetricData requests only, from clients under test (not the EMF extractor's). */
  get puts(): RecordedRequest[] {
    return this.frontDoor.requests.filter((r) => r.operation === 'PutMetricData' && !r.extracted);
  }

  /** The requests to the OTLP metrics endpoint, accepted or not. */
  get otlpRequests(): RecordedRequest[] {
    return this.frontDoor.requests.filter((r) => r.operation === 'OtlpMetrics');
  }

  /** Every data point the OTLP endpoint stored, flattened (see OtlpPoint), in the order received. */
  otlpPoints(): OtlpPoint[] {
    return this.frontDoor.otlpPoints();
  }

  /** The PutMetricData requests of EMF extractors: what they stored of the documents they read. */
  get extractedPuts(): RecordedRequest[] {
    return this.frontDoor.requests.filter((r) => r.operation === 'PutMetricData' && r.extracted);
  }

  /**
   * An EMF extractor that stores what it extracts in this CloudWatch (its requests are `extractedPuts`, not
   * `puts`). The caller calls its `close()`.
   */
  emfExtractor(now?: () => number): EmfExtractor {
    return new EmfExtractor(this.client({ customUserAgent: EXTRACTOR_USER_AGENT }), now, true);
  }

  injectFaults(...faults: Fault[]): void {
    this.frontDoor.injectFaults(...faults);
  }

  /** Applies `fault` to every request until called with undefined (see FrontDoor.setOutage). */
  setOutage(fault: Fault | undefined): void {
    this.frontDoor.setOutage(fault);
  }

  /** Forgets stored metrics, recorded requests and pending faults. */
  async reset(): Promise<void> {
    this.frontDoor.clear();
    await this.moto.reset();
  }

  async stop(): Promise<void> {
    await this.frontDoor.stop();
    await this.moto.stop();
  }
}
