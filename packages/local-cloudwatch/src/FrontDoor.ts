import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { putMetricDataInputOf } from './cborPutMetricDataInput';
import { CborDecodeError, decodeCbor } from './decodeCbor';
import { CBOR_ANSWER_HEADERS, CBOR_EMPTY_MAP, cborErrorBody } from './encodeCborAnswer';
import { decodeOtlpMetrics, OtlpDecodeError } from './decodeOtlpMetrics';
import { exportResponse, otlpFormatOf, statusResponse } from './encodeOtlpAnswer';
import type { OtlpMetricsRequest } from './OtlpMetricsRequest';
import { otlpPointsOf, withoutRejectedPoints, type OtlpPoint } from './otlpPoints';
import { checkEntities, validatePutMetricData, type EntityProblem, type Violation } from './validatePutMetricData';
import { OTLP_LIMITS, otlpLabelProblem, otlpSizeViolation, validateOtlpMetrics } from './validateOtlpMetrics';
import { verifySigV4, type Credentials } from './verifySigV4';

/**
 * The protocol a request spoke: `json` (AWS JSON 1.0, and whatever else is forwarded to moto as received), `cbor`
 * (Smithy RPC v2 CBOR, a POST to CBOR_PATH_PREFIX + operation) or `otlp` (a POST to OTLP_METRICS_PATH).
 */
export type WireProtocol = 'json' | 'cbor' | 'otlp';

/** One request as the front door saw it. */
export interface RecordedRequest {
  /**
   * The operation named by X-Amz-Target (e.g. `PutMetricData`) or by the RPC v2 CBOR path, `OtlpMetrics` for a POST
   * to OTLP_METRICS_PATH, or `unknown`.
   */
  operation: string;
  /** The protocol it spoke. */
  protocol: WireProtocol;
  /** Body bytes as received on the wire. */
  wireBytes: number;
  /** Body bytes after undoing Content-Encoding. */
  decodedBytes: number;
  /** The Content-Encoding header as received, if any. */
  contentEncoding: string | undefined;
  /** The Content-Type header as received, if any. */
  contentType?: string;
  gzip: boolean;
  /** The SDK's attempt number (`amz-sdk-request: attempt=N`), 1 when absent. */
  attempt: number;
  /** When its body had arrived (epoch ms, with a fraction). */
  receivedAt: number;
  /**
   * The decoded JSON input (RPC v2 CBOR: the AWS JSON 1.0 input it stands for, timestamps as epoch seconds; OtlpMetrics:
   * the decoded OtlpMetricsRequest, before any point was rejected).
   */
  input: unknown;
  /** The HTTP status answered (0 when the connection was dropped on purpose). */
  status: number;
  /** Whether the EMF extractor made it (storing what it extracted), rather than a client under test. */
  extracted: boolean;
  /** The error code answered, if any. */
  errorCode?: string;
  /** The rule this request broke, if the front door refused it. */
  violation?: Violation;
  /**
   * What was wrong with an entity CloudWatch stored the datums without (StrictEntityValidation false): the
   * request succeeded, and this is what `X-Amzn-Failure-Message` said.
   */
  entityFailure?: EntityProblem;
  /** The fault injected into this request, if any. */
  fault?: Fault;
}

/** A fault to inject into the next request that matches it. */
export interface Fault {
  /** Only requests for this operation match (default: PutMetricData; `OtlpMetrics` for the OTLP endpoint). */
  operation?: string;
  /** Wait this long before doing anything else. */
  delayMs?: number;
  /** Never answer, never store: the request ends when the client gives up. */
  hang?: boolean;
  /** Close the connection without answering (before the request reaches moto: nothing is stored). */
  drop?: boolean;
  /**
   * Forward the request to moto (so it is stored), then close the connection without answering: the client
   * cannot know whether its request landed.
   */
  dropAfterStoring?: boolean;
  /** Answer with this status and error code instead of forwarding. */
  status?: number;
  code?: string;
  message?: string;
  /** With `status`: a `Retry-After` header of this many seconds (OTLP clients wait that long before retrying). */
  retryAfterSeconds?: number;
}

/** An account's PutMetricData quota: a token bucket shared by every client of the front door. */
export interface Quota {
  /** Requests a second the bucket refills with (CloudWatch's default is 500 per account and Region). */
  requestsPerSecond: number;
  /** Requests the bucket holds when full: the burst allowed after a quiet moment. Default: one second's worth. */
  burst?: number;
}

export interface FrontDoorOptions {
  /** Where moto listens. */
  upstream: string;
  credentials: Credentials;
  /** Hold Values/Counts and StatisticValues to full agreement (see ValidationOptions). Default true. */
  strictDistributions?: boolean;
  /**
   * Speak Smithy RPC v2 CBOR (PutMetricData), as CloudWatch does. false plays an endpoint that predates it (moto, older
   * emulators): a request to CBOR_PATH_PREFIX is recorded and answered 404 text/html, without a `smithy-protocol`
   * header, and nothing is stored. Default true; see FrontDoor.setCbor.
   */
  cbor?: boolean;
}

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';

/** Where CloudWatch takes Smithy RPC v2 CBOR requests: this path, then the operation's name (POST). */
export const CBOR_PATH_PREFIX = '/service/GraniteServiceVersion20100801/operation/';

/** What werkzeug (moto's HTTP server) answers for a path it does not serve: how an endpoint without CBOR answers. */
const NOT_FOUND_PAGE =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not ' +
  'found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';

/** The service name every request to CloudWatch is signed for, its OTLP endpoint's included. */
const SIGNING_SERVICE = 'monitoring';

/** What the EMF extractor's client adds to its user agent, so that its requests are told from the client's. */
export const EXTRACTOR_USER_AGENT = 'local-cloudwatch-emf-extractor';

/**
 * The front door's own read endpoint (GET, unsigned, loopback like the rest): the PutMetricData requests moto
 * stored, as accepted. moto keeps every value but gives them back only aggregated (and merges series, see
 * README.md), so `local-cloudwatch read` computes statistics and percentiles from these.
 */
export const STORED_PATH = '/local-cloudwatch/stored';

/** CloudWatch's OTLP metrics endpoint (POST, OTLP/HTTP protobuf or JSON), on the host of its API. */
export const OTLP_METRICS_PATH = '/v1/metrics';

/** The front door's read endpoint for the OTLP endpoint (GET, unsigned): `{ points: OtlpPoint[] }`, bytes as base64. */
export const OTLP_STORED_PATH = '/local-cloudwatch/otlp';

/** A PutMetricData request moto answered with success, as the front door accepted it. */
export interface StoredPut {
  /** When its body had arrived (epoch ms). */
  receivedAt: number;
  /** The region of its signature's credential scope: moto keeps one store per region. */
  region: string;
  /** The decoded JSON input (EntityMetricData included as sent). */
  input: unknown;
}

/** An OTLP metrics request the front door accepted and stored (without the points a test had it reject). */
export interface StoredOtlp {
  /** When its body had arrived (epoch ms). */
  receivedAt: number;
  /** The region of its signature's credential scope. */
  region: string;
  request: OtlpMetricsRequest;
}

/**
 * The strict front door: a loopback HTTP server in front of moto that checks signatures over the exact bytes
 * received, undoes gzip (moto's server mode would decode it twice), refuses what CloudWatch refuses, records
 * every request and can inject faults. Everything else is forwarded to moto unchanged.
 */
export class FrontDoor {
  readonly requests: RecordedRequest[] = [];
  /** The PutMetricData requests moto stored (answered 2xx), in order; served at STORED_PATH. */
  readonly stored: StoredPut[] = [];
  /** The OTLP metrics requests accepted (answered 200), in order; their points are served at OTLP_STORED_PATH. */
  readonly otlpStored: StoredOtlp[] = [];
  private readonly faults: Fault[] = [];
  private outage: Fault | undefined;
  private inProgress = 0;
  /** The most requests this front door has had in progress at once (since it started or was cleared). */
  maxInProgress = 0;
  private refusal: ((datum: Record<string, unknown>) => string | undefined) | undefined;
  private entityRefusal: ((entity: Record<string, unknown>) => EntityProblem['failure'] | undefined) | undefined;
  private requestRefusal: ((input: Record<string, unknown>) => string | undefined) | undefined;
  private otlpRejection: ((point: OtlpPoint, metricName: string) => string | undefined) | undefined;
  private quota: { rate: number; burst: number; tokens: number; at: number } | undefined;
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private url = '';
  private cborSpoken: boolean;

  constructor(private readonly options: FrontDoorOptions) {
    this.cborSpoken = options.cbor ?? true;
  }

  /** Whether Smithy RPC v2 CBOR is spoken now (FrontDoorOptions.cbor, then setCbor). */
  get cbor(): boolean {
    return this.cborSpoken;
  }

  /**
   * Speaks Smithy RPC v2 CBOR, or stops (an endpoint that predates it: requests to CBOR_PATH_PREFIX are recorded and
   * answered 404 text/html, storing nothing), from the next request on. Not undone by `clear`.
   */
  setCbor(spoken: boolean): void {
    this.cborSpoken = spoken;
  }

  /** Starts listening on a free loopback port. */
  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && (path === STORED_PATH || path === OTLP_STORED_PATH)) {
        req.resume();
        const body =
          path === STORED_PATH
            ? JSON.stringify({ stored: this.stored })
            : JSON.stringify({ points: this.otlpPoints() }, (_key, value: unknown) =>
                value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
              );
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
        return;
      }
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.sendError(res, 500, 'InternalServiceError', String(err));
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The URL clients should use as their CloudWatch endpoint. */
  get endpoint(): string {
    return this.url;
  }

  /** The refusals so far: in a test of the exporter this should stay empty. */
  get violations(): RecordedRequest[] {
    return this.requests.filter((r) => r.violation !== undefined);
  }

  /** Queues faults; each applies once, to the next request that matches it. */
  injectFaults(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /**
   * Applies `fault` to every matching request until called again with undefined: an outage, a throttling storm, a
   * service that never answers. Queued one-off faults go first.
   */
  setOutage(fault: Fault | undefined): void {
    this.outage = fault;
  }

  /**
   * Makes CloudWatch refuse entities this judges bad (answering the `X-Amzn-Failure-Message` value it returns), on
   * top of the rules checkEntities applies: CloudWatch's entity store knows more than any local rule can.
   */
  refuseEntities(why: ((entity: Record<string, unknown>) => EntityProblem['failure'] | undefined) | undefined): void {
    this.entityRefusal = why;
  }

  /**
   * Refuses, with InvalidParameterValue, every PutMetricData holding a datum for which `why` returns a message,
   * as CloudWatch does with a bad datum: the whole request fails and nothing in it is stored. For testing how a
   * client isolates a datum CloudWatch refuses; these refusals are not counted as violations.
   */
  refuseDatums(why: ((datum: Record<string, unknown>) => string | undefined) | undefined): void {
    this.refusal = why;
  }

  /**
   * Refuses, with InvalidParameterValue and the message `why` returns, every PutMetricData request `why` judges as
   * a whole, whatever its datums: an endpoint that does not know a member of the request (an older emulator, a
   * proxy, a Region without entities refusing `EntityMetricData`). Not counted as violations.
   */
  refuseRequests(why: ((input: Record<string, unknown>) => string | undefined) | undefined): void {
    this.requestRefusal = why;
  }

  /**
   * Has the OTLP endpoint reject the data points for which `why` returns a message, as a partial success: they are
   * not stored, and the answer (still 200) carries `partial_success { rejected_data_points, error_message }` (the
   * distinct messages, joined with '; '). The other points of the request are stored. Not counted as violations.
   */
  rejectOtlpPoints(why: ((point: OtlpPoint, metricName: string) => string | undefined) | undefined): void {
    this.otlpRejection = why;
  }

  /** Every data point the OTLP endpoint stored, flattened, in the order received. */
  otlpPoints(): OtlpPoint[] {
    return this.otlpStored.flatMap((s) => otlpPointsOf(s.request));
  }

  /**
   * Throttles PutMetricData as CloudWatch does past an account's quota (HTTP 400 `Throttling`, "Rate exceeded"):
   * each request takes a token from one bucket shared by every client, and a request that finds it empty is
   * answered so and stored not. Undefined lifts the quota. The EMF extractor's requests are not counted (CloudWatch
   * Logs makes them in the service).
   */
  setQuota(quota: Quota | undefined): void {
    if (!quota) return void (this.quota = undefined);
    const burst = quota.burst ?? quota.requestsPerSecond;
    this.quota = { rate: quota.requestsPerSecond, burst, tokens: burst, at: performance.now() };
  }

  /** Forgets recorded requests (stored ones too, OTLP's included), pending faults, refusals and rejections. */
  clear(): void {
    this.requests.length = 0;
    this.stored.length = 0;
    this.otlpStored.length = 0;
    this.otlpRejection = undefined;
    this.faults.length = 0;
    this.outage = undefined;
    this.maxInProgress = this.inProgress;
    this.refusal = undefined;
    this.entityRefusal = undefined;
    this.requestRefusal = undefined;
    this.quota = undefined;
  }

  /**
   * Stops listening, so that connections are refused (ECONNREFUSED), until `acceptConnections`; open
   * connections are closed. Recorded requests and faults are kept.
   */
  refuseConnections(): void {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  /** Listens again, on the same port, after `refuseConnections`. */
  async acceptConnections(): Promise<void> {
    if (this.server) return;
    await this.start(Number(new URL(this.url).port));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Takes a token from the quota's bucket: false when it is empty (no quota: always true). */
  private takeToken(): boolean {
    const q = this.quota;
    if (!q) return true;
    const now = performance.now();
    q.tokens = Math.min(q.burst, q.tokens + ((now - q.at) / 1000) * q.rate);
    q.at = now;
    if (q.tokens < 1) return false;
    q.tokens--;
    return true;
  }

  private takeFault(operation: string): Fault | undefined {
    const i = this.faults.findIndex((f) => (f.operation ?? 'PutMetricData') === operation);
    if (i >= 0) return this.faults.splice(i, 1)[0];
    const outage = this.outage;
    return outage && (outage.operation ?? 'PutMetricData') === operation ? outage : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.maxInProgress = Math.max(this.maxInProgress, ++this.inProgress);
    try {
      await this.handleRequest(req, res);
    } finally {
      this.inProgress--;
    }
  }

  /**
   * One request, as CloudWatch would take it: recorded, faults injected, signature checked, body decoded, the
   * operation's rules applied, then forwarded to moto. Each step either answers (and the request ends) or passes on.
   */
  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { record, headers, raw } = await this.receive(req);
    if (record.protocol === 'cbor' && !this.cborSpoken) return this.answerNotFound(res, record);
    const fault = this.takeFault(record.operation);
    if (fault && (await this.injectFault(fault, req, res, record))) return;
    if (record.operation === 'PutMetricData' && !record.extracted && !this.takeToken()) {
      return this.answerError(res, record, 400, 'Throttling', 'Rate exceeded');
    }
    const signature = verifySigV4(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers, body: raw },
      this.options.credentials,
      { service: SIGNING_SERVICE },
    );
    if (!signature.ok) return this.answerError(res, record, 403, signature.code, signature.message);
    if (record.operation === 'OtlpMetrics') return this.handleOtlp(raw, headers, record, req, res, fault);
    let body = this.decode(raw, record, res);
    if (body === undefined) return;
    record.decodedBytes = body.length;
    if (record.protocol === 'cbor') {
      body = this.checkCborPutMetricData(body, headers, record, res);
      if (body === undefined) return;
      await this.forward(req, jsonHeadersOf(headers), body, res, record, '/');
    } else {
      if (record.operation === 'PutMetricData') {
        body = this.checkPutMetricData(body, headers, record, res);
        if (body === undefined) return;
      } else {
        record.input = parseOrText(body);
      }
      await this.forward(req, headers, body, res, record);
    }
    if (fault?.dropAfterStoring) req.socket.destroy();
  }

  /** Reads the whole request and records it. */
  private async receive(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    }
    const target = headers['x-amz-target'] ?? '';
    const encoding = headers['content-encoding'];
    const path = (req.url ?? '').split('?')[0]!;
    const otlp = req.method === 'POST' && path === OTLP_METRICS_PATH;
    const cbor = req.method === 'POST' && path.startsWith(CBOR_PATH_PREFIX);
    const record: RecordedRequest = {
      operation: otlp
        ? 'OtlpMetrics'
        : cbor
          ? path.slice(CBOR_PATH_PREFIX.length) || 'unknown'
          : target.startsWith(TARGET_PREFIX)
            ? target.slice(TARGET_PREFIX.length)
            : 'unknown',
      protocol: otlp ? 'otlp' : cbor ? 'cbor' : 'json',
      wireBytes: raw.length,
      decodedBytes: raw.length,
      contentEncoding: encoding,
      contentType: headers['content-type'],
      gzip: (encoding ?? '').includes('gzip'),
      attempt: Number(/attempt=(\d+)/.exec(headers['amz-sdk-request'] ?? '')?.[1] ?? 1),
      receivedAt: performance.timeOrigin + performance.now(),
      input: undefined,
      status: 0,
      extracted: (headers['user-agent'] ?? '').includes(EXTRACTOR_USER_AGENT),
    };
    this.requests.push(record);
    return { record, headers, raw };
  }

  /** Plays an injected fault; true when it answered (or hung up) in the request's place. */
  private async injectFault(fault: Fault, req: IncomingMessage, res: ServerResponse, record: RecordedRequest) {
    record.fault = fault;
    if (fault.hang) {
      await this.untilClosed(req);
      return true;
    }
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.drop) {
      req.socket.destroy();
      return true;
    }
    if (fault.status) {
      const retryAfter: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) retryAfter['retry-after'] = String(fault.retryAfterSeconds);
      this.answerError(
        res,
        record,
        fault.status,
        fault.code ?? 'ServiceUnavailable',
        fault.message ?? 'Injected fault',
        retryAfter,
      );
      return true;
    }
    return false;
  }

  /** The body with its Content-Encoding undone, last applied first; undefined once it answered an error. */
  private decode(raw: Buffer, record: RecordedRequest, res: ServerResponse): Buffer | undefined {
    try {
      return undoContentEncoding(raw, record.contentEncoding);
    } catch (err) {
      this.answerError(res, record, 400, 'InvalidParameterValue', `Cannot decode the request body: ${String(err)}`);
      return undefined;
    }
  }

  /**
   * Every PutMetricData rule, then the refusals a test asked for; the body to forward (entity datums inlined for
   * moto), or undefined once it answered an error.
   */
  private checkPutMetricData(
    body: Buffer,
    headers: Record<string, string>,
    record: RecordedRequest,
    res: ServerResponse,
  ): Buffer | undefined {
    if (!(headers['content-type'] ?? '').startsWith('application/x-amz-json-1.0')) {
      this.answerError(res, record, 400, 'InvalidParameterValue', 'The front door only speaks AWS JSON 1.0.');
      return undefined;
    }
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      this.answerError(res, record, 400, 'SerializationException', 'The request body is not valid JSON.');
      return undefined;
    }
    record.input = input;
    return this.checkInput(input, body, record, res);
  }

  /**
   * A PutMetricData in Smithy RPC v2 CBOR: the protocol's headers, then the body decoded strictly (decodeCbor) and
   * walked against the input model (putMetricDataInputOf), then every rule a JSON request meets (checkInput). The
   * body to forward to moto, as AWS JSON 1.0; or undefined once it answered an error (in CBOR).
   */
  private checkCborPutMetricData(
    body: Buffer,
    headers: Record<string, string>,
    record: RecordedRequest,
    res: ServerResponse,
  ): Buffer | undefined {
    if (record.operation !== 'PutMetricData') {
      const message = `The front door speaks RPC v2 CBOR for PutMetricData only, not ${record.operation}.`;
      this.answerError(res, record, 400, 'InvalidAction', message);
      return undefined;
    }
    // Every refusal of the protocol's own is a violation: a client that writes its CBOR itself (rather than through
    // the SDK) is what a test of it wants told.
    const refuse = (status: number, code: string, message: string): undefined => {
      record.violation = { status, code, message };
      this.answerError(res, record, status, code, message);
      return undefined;
    };
    // What Smithy servers refuse before reading a body: a request that does not say it is RPC v2 CBOR, a body that
    // is not CBOR (an empty body is an empty input and needs no Content-Type), an answer the client cannot read.
    const protocol = headers['smithy-protocol'];
    if (protocol !== 'rpc-v2-cbor') {
      const said = protocol === undefined ? 'is missing' : `is ${JSON.stringify(protocol)}`;
      return refuse(400, 'SerializationException', `The smithy-protocol header ${said}, not rpc-v2-cbor.`);
    }
    const contentType = headers['content-type'];
    if (body.length > 0 && !/^application\/cbor\s*(;|$)/i.test(contentType ?? '')) {
      const message = `Content-Type ${contentType ?? '(none)'}: RPC v2 CBOR takes application/cbor only.`;
      return refuse(415, 'UnsupportedMediaTypeException', message);
    }
    const accept = headers['accept'];
    if (accept !== undefined && !/(^|,)\s*(application\/cbor|application\/\*|\*\/\*)\s*(;|,|$)/i.test(accept)) {
      return refuse(406, 'NotAcceptableException', `Accept ${accept}: RPC v2 CBOR answers application/cbor only.`);
    }
    let input: Record<string, unknown>;
    try {
      input = body.length === 0 ? {} : putMetricDataInputOf(decodeCbor(body));
    } catch (err) {
      if (!(err instanceof CborDecodeError)) throw err;
      return refuse(400, 'SerializationException', err.message);
    }
    record.input = input;
    const forward = this.checkInput(input, body, record, res);
    // moto takes JSON only. No NaN or infinity gets here: the rules refuse them, as CloudWatch does.
    return forward === body ? Buffer.from(JSON.stringify(input)) : forward;
  }

  /**
   * Every PutMetricData rule over a decoded input, whichever protocol it came in, then the refusals a test asked for;
   * the body to forward (`body` itself, or entity datums inlined for moto), or undefined once it answered an error.
   */
  private checkInput(input: unknown, body: Buffer, record: RecordedRequest, res: ServerResponse): Buffer | undefined {
    const violation = validatePutMetricData(input, body.length, {
      now: Date.now(),
      strictDistributions: this.options.strictDistributions ?? true,
    });
    if (violation) {
      record.violation = violation;
      this.answerError(res, record, violation.status, violation.code, violation.message);
      return undefined;
    }
    const refused = this.requestRefusal?.(input as Record<string, unknown>) ?? this.refused(input);
    if (refused) {
      this.answerError(res, record, 400, 'InvalidParameterValue', refused);
      return undefined;
    }
    const entities = input as Record<string, unknown>;
    const problem = checkEntities(entities) ?? this.refusedEntity(entities);
    record.entityFailure = problem;
    if (problem && entities['StrictEntityValidation'] === true) {
      record.violation = { status: 400, code: 'InvalidParameterValue', message: problem.message };
      this.answerError(res, record, 400, 'InvalidParameterValue', problem.message);
      return undefined;
    }
    return Array.isArray(entities['EntityMetricData']) ? withEntityDatumsInline(entities) : body;
  }

  /**
   * The OTLP endpoint, once the signature is checked: Content-Encoding undone (1 MB at most), the body decoded by
   * its Content-Type, the rules applied, the points a test rejects taken out, the rest stored, and the answer an
   * ExportMetricsServiceResponse in the request's encoding. Every refusal is a violation.
   */
  private handleOtlp(
    raw: Buffer,
    headers: Record<string, string>,
    record: RecordedRequest,
    req: IncomingMessage,
    res: ServerResponse,
    fault: Fault | undefined,
  ): void {
    const refuse = (violation: Violation) => {
      record.violation = violation;
      this.answerError(res, record, violation.status, violation.code, violation.message);
    };
    let body: Buffer;
    try {
      body = undoContentEncoding(raw, record.contentEncoding, OTLP_LIMITS.maxRequestBytes + 1);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        return refuse(otlpSizeViolation(OTLP_LIMITS.maxRequestBytes + 1)!);
      }
      return refuse({
        status: 400,
        code: 'SerializationException',
        message: `Cannot decode the request body: ${String(err)}`,
      });
    }
    record.decodedBytes = body.length;
    const tooLarge = otlpSizeViolation(body.length);
    if (tooLarge) return refuse(tooLarge);
    const format = otlpFormatOf(record.contentType);
    if (!format) {
      return refuse({
        status: 415,
        code: 'UnsupportedMediaType',
        message: `Content-Type ${record.contentType ?? '(none)'}: only application/x-protobuf and application/json.`,
      });
    }
    let request: OtlpMetricsRequest;
    try {
      request = decodeOtlpMetrics(body, format);
    } catch (err) {
      if (!(err instanceof OtlpDecodeError)) throw err;
      return refuse({ status: 400, code: 'SerializationException', message: err.message });
    }
    record.input = request;
    const violation = validateOtlpMetrics(request);
    if (violation) return refuse(violation);
    // Points with too many labels are rejected alone (a partial success), as CloudWatch documents; a test's own
    // rejections join them.
    let total = 0;
    let overLabelled = 0;
    const { kept, rejected, messages } = withoutRejectedPoints(request, (point, name, labels) => {
      total++;
      const problem = otlpLabelProblem(labels);
      if (problem !== undefined) overLabelled++;
      return problem ?? this.otlpRejection?.(point, name);
    });
    if (total > 0 && overLabelled === total) {
      return refuse({
        status: 400,
        code: 'InvalidParameterValue',
        message: `Every data point has too many labels: ${messages[0]}.`,
      });
    }
    this.otlpStored.push({ receivedAt: record.receivedAt, region: regionOf(headers), request: kept });
    record.status = 200;
    if (fault?.dropAfterStoring) {
      record.status = 0;
      req.socket.destroy();
      return;
    }
    const answer = exportResponse(format, rejected, messages.join('; '));
    res.writeHead(200, {
      'content-type': answer.contentType,
      'content-length': String(answer.body.length),
      'x-amzn-requestid': `front-door-${this.requests.length}`,
    });
    res.end(answer.body);
  }

  /** Resolves when the client closes the connection (or the front door stops). */
  private untilClosed(req: IncomingMessage): Promise<void> {
    return new Promise((resolve) => {
      if (req.socket.destroyed) resolve();
      else req.socket.once('close', () => resolve());
    });
  }

  private refusedEntity(input: Record<string, unknown>): EntityProblem | undefined {
    if (!this.entityRefusal || !Array.isArray(input['EntityMetricData'])) return undefined;
    for (const item of input['EntityMetricData'] as Array<{ Entity?: Record<string, unknown> }>) {
      const failure = item.Entity ? this.entityRefusal(item.Entity) : undefined;
      if (failure) return { failure, message: 'the entity was refused (refuseEntities)' };
    }
    return undefined;
  }

  private refused(input: unknown): string | undefined {
    if (!this.refusal) return undefined;
    const request = input as {
      MetricData?: Array<Record<string, unknown>>;
      EntityMetricData?: Array<{ MetricData?: Array<Record<string, unknown>> }>;
    };
    const lists: Array<[string, Array<Record<string, unknown>>]> = [['MetricData', request.MetricData ?? []]];
    (request.EntityMetricData ?? []).forEach((e, i) =>
      lists.push([`EntityMetricData.member.${i + 1}.MetricData`, e.MetricData ?? []]),
    );
    for (const [at, data] of lists) {
      for (let i = 0; i < data.length; i++) {
        const why = this.refusal(data[i]!);
        if (why) return `The value for parameter ${at}.member.${i + 1} is invalid: ${why}`;
      }
    }
    return undefined;
  }

  private forward(
    req: IncomingMessage,
    headers: Record<string, string>,
    body: Buffer,
    res: ServerResponse,
    record: RecordedRequest,
    path = req.url ?? '/',
  ): Promise<void> {
    const upstream = new URL(path, this.options.upstream);
    const out: Record<string, string> = { ...headers, host: upstream.host, 'content-length': String(body.length) };
    delete out['content-encoding'];
    return new Promise((resolve) => {
      const up = request(upstream, { method: req.method, headers: out }, (upRes) => {
        const parts: Buffer[] = [];
        upRes.on('data', (c: Buffer) => parts.push(c));
        upRes.once('end', () => {
          const payload = Buffer.concat(parts);
          record.status = upRes.statusCode ?? 502;
          const moto = record.status >= 400 ? motoError(upRes.headers, payload) : undefined;
          if (moto) {
            record.errorCode =
              record.protocol === 'cbor' ? moto.code : upRes.headers['x-amzn-query-error']?.toString().split(';')[0];
          }
          if (record.operation === 'PutMetricData' && record.status >= 200 && record.status < 300) {
            this.stored.push({ receivedAt: record.receivedAt, region: regionOf(headers), input: record.input });
          }
          if (record.fault?.dropAfterStoring) {
            record.status = 0;
            resolve();
            return;
          }
          const { connection: _c, 'transfer-encoding': _t, ...rest } = upRes.headers;
          const failure: Record<string, string> = record.entityFailure
            ? { 'x-amzn-failure-message': record.entityFailure.failure }
            : {};
          if (record.protocol === 'cbor') {
            // moto answered in JSON: the client hears it in CBOR, moto's request id and the failure header kept.
            const { 'content-type': _ct, 'content-length': _cl, 'x-amzn-query-error': _qe, ...kept } = rest;
            if (moto) {
              this.sendCborError(res, record.status, moto.code ?? 'InternalServiceError', moto.message, {
                ...stringHeaders(kept),
                ...failure,
              });
            } else {
              res.writeHead(record.status, {
                ...kept,
                ...failure,
                ...CBOR_ANSWER_HEADERS,
                'content-length': String(CBOR_EMPTY_MAP.length),
              });
              res.end(CBOR_EMPTY_MAP);
            }
            resolve();
            return;
          }
          res.writeHead(record.status, { ...rest, ...failure, 'content-length': String(payload.length) });
          res.end(payload);
          resolve();
        });
      });
      up.once('error', (err) => {
        this.answerError(res, record, 502, 'InternalServiceError', `moto did not answer: ${err.message}`);
        resolve();
      });
      up.end(body);
    });
  }

  private answerError(
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    record.status = status;
    record.errorCode = code;
    if (record.protocol === 'otlp') this.sendOtlpError(res, record, status, code, message, headers);
    else if (record.protocol === 'cbor') this.sendCborError(res, status, code, message, headers);
    else this.sendError(res, status, code, message, headers);
  }

  /** Answers a request to CBOR_PATH_PREFIX as an endpoint without RPC v2 CBOR does: moto's 404 page, nothing more. */
  private answerNotFound(res: ServerResponse, record: RecordedRequest): void {
    record.status = 404;
    res.writeHead(404, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(Buffer.byteLength(NOT_FOUND_PAGE)),
    });
    res.end(NOT_FOUND_PAGE);
  }

  /**
   * Answers an error the way CloudWatch's RPC v2 CBOR endpoint does: a CBOR map with `__type` and `message`, and
   * the query-compatible header the SDK reads the error's name from, as for JSON.
   */
  private sendCborError(
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    const body = cborErrorBody(code, message);
    res.writeHead(status, {
      'x-amzn-requestid': `front-door-${this.requests.length}`,
      ...headers,
      ...CBOR_ANSWER_HEADERS,
      'x-amzn-query-error': `${code};${status >= 500 ? 'Receiver' : 'Sender'}`,
      'content-length': String(body.length),
    });
    res.end(body);
  }

  /** Answers an OTLP request's error: a google.rpc.Status in the request's encoding (JSON when it has none). */
  private sendOtlpError(
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string>,
  ): void {
    const answer = statusResponse(otlpFormatOf(record.contentType) ?? 'json', status, message);
    res.writeHead(status, {
      ...headers,
      'content-type': answer.contentType,
      'x-amzn-errortype': code,
      'x-amzn-requestid': `front-door-${this.requests.length}`,
      'content-length': String(answer.body.length),
    });
    res.end(answer.body);
  }

  /** Answers an error the way CloudWatch's JSON 1.0 endpoint does, including the query-compatible header. */
  private sendError(
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    const body = JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message });
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${code};${status >= 500 ? 'Receiver' : 'Sender'}`,
      'x-amzn-requestid': `front-door-${this.requests.length}`,
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  }
}

/**
 * A body with its Content-Encoding undone, last applied first. Throws on an encoding it does not know, a body that is
 * not what it says, or (with `maxBytes`) a body that decompresses past maxBytes (code ERR_BUFFER_TOO_LARGE).
 */
function undoContentEncoding(raw: Buffer, contentEncoding: string | undefined, maxBytes?: number): Buffer {
  if (!contentEncoding) return raw;
  const layers = contentEncoding
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  let body = raw;
  for (const layer of layers.reverse()) {
    if (layer === 'gzip') body = gunzipSync(body, maxBytes === undefined ? {} : { maxOutputLength: maxBytes });
    else if (layer !== 'identity') throw new Error(`unsupported Content-Encoding ${layer}`);
  }
  return body;
}

/** The region named by a SigV4 Authorization header's credential scope (`Credential=AKID/date/region/…`). */
function regionOf(headers: Record<string, string>): string {
  return /Credential=[^/,\s]+\/[^/,\s]+\/([^/,\s]+)\//.exec(headers['authorization'] ?? '')?.[1] ?? 'unknown';
}

/**
 * The body moto is given for a request with entities: moto 5.2.1 drops the datums of EntityMetricData, so they
 * join MetricData (the entities themselves stay in the recorded input, for tests to read).
 */
function withEntityDatumsInline(input: Record<string, unknown>): Buffer {
  const inline = Array.isArray(input['MetricData']) ? [...(input['MetricData'] as unknown[])] : [];
  for (const item of input['EntityMetricData'] as unknown[]) {
    const datums = (item as { MetricData?: unknown }).MetricData;
    if (Array.isArray(datums)) inline.push(...(datums as unknown[]));
  }
  return Buffer.from(JSON.stringify({ Namespace: input['Namespace'], MetricData: inline }));
}

/** The headers a request in RPC v2 CBOR is forwarded to moto with: those of the same request in AWS JSON 1.0. */
function jsonHeadersOf(headers: Record<string, string>): Record<string, string> {
  const { 'smithy-protocol': _p, accept: _a, ...rest } = headers;
  return {
    ...rest,
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `${TARGET_PREFIX}PutMetricData`,
  };
}

/** The error code and message of an error moto answered (AWS JSON 1.0, or whatever it is): code undefined if unsaid. */
function motoError(headers: IncomingMessage['headers'], payload: Buffer): { code?: string; message: string } {
  const parsed = parseOrText(payload);
  const body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const type = typeof body['__type'] === 'string' ? body['__type'].split('#').pop() : undefined;
  const message = body['message'] ?? body['Message'] ?? (typeof parsed === 'string' ? parsed : '');
  const code = headers['x-amzn-query-error']?.toString().split(';')[0] || type;
  return code === undefined ? { message: String(message) } : { code, message: String(message) };
}

/** Response headers as strings (repeated ones joined), for writeHead beside string-valued ones. */
function stringHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/** A body as JSON when it is JSON, else as text: what the log shows of requests the front door does not judge. */
function parseOrText(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return body.toString('utf8');
  }
}
