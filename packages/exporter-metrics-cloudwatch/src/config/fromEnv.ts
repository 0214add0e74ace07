import { MAX_TIMER_MS } from '../defaults.js';
import type { CloudWatchMetricExporterOptions } from '../options.js';
import { namespaceProblem } from './resolveOptions.js';

/** What the environment says about the exporter and its reader. */
export interface EnvConfig {
  exporter: Partial<CloudWatchMetricExporterOptions>;
  exportIntervalMillis?: number;
  exportTimeoutMillis?: number;
}

/**
 * The environment variables this package reads, with their defaults (the README's table is this one). Region,
 * credentials and endpoint are the AWS SDK's own (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL_CLOUDWATCH`…);
 * `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` are read by OpenTelemetry's resource detection.
 */
export const ENV_VARIABLES = {
  OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: 'CloudWatch namespace (required by the register entry)',
  OTEL_EXPORTER_CLOUDWATCH_OUTPUT:
    "putMetricData (default), emf (EMF documents on stdout) or otlp (CloudWatch's OTLP endpoint, preview)",
  OTEL_EXPORTER_CLOUDWATCH_OTLP_ENDPOINT: "the URL otlp posts to (default: CloudWatch's endpoint + /v1/metrics)",
  OTEL_EXPORTER_CLOUDWATCH_PUT_METRIC_DATA_PROTOCOL:
    'json (default) or cbor (experimental): the wire format of PutMetricData',
  OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS: 'comma-separated resource attribute keys published as dimensions',
  OTEL_EXPORTER_CLOUDWATCH_STORAGE_RESOLUTION: '1 or 60 (default 60)',
  OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY: 'requests in flight, 1–64 (default 4)',
  OTEL_EXPORTER_CLOUDWATCH_ENTITY:
    'auto (or true, on, 1): link datums to the service entity of the resource; off (false, none, 0; default)',
  OTEL_METRIC_EXPORT_INTERVAL: 'ms between exports (default 60000)',
  OTEL_METRIC_EXPORT_TIMEOUT: 'ms an export, flush or shutdown may take (default 30000)',
  OTEL_LOG_LEVEL: 'diagnostics to the console (none, error, warn, info, debug, verbose, all); register entry only',
  OTEL_SDK_DISABLED: 'true: the register entry does nothing',
  OTEL_NODE_RESOURCE_DETECTORS:
    'resource detectors of the register entry (default env,host,process,lambda,ecs,eks,beanstalk)',
} as const;

/** A configuration error that names the variable and the rule. */
export class EnvConfigError extends Error {
  constructor(variable: string, rule: string, value: string) {
    super(`${variable}=${JSON.stringify(value)}: ${rule}`);
    this.name = 'EnvConfigError';
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new EnvConfigError(name, `must be a whole number from ${min} to ${max}`, raw);
  }
  return n;
}

/** Reads the variables of {@link ENV_VARIABLES}; unset or empty ones are left out. Throws an EnvConfigError. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const exporter: Partial<CloudWatchMetricExporterOptions> = {};
  const namespace = env['OTEL_EXPORTER_CLOUDWATCH_NAMESPACE']?.trim();
  if (namespace) {
    const rule = namespaceProblem(namespace);
    if (rule !== undefined) throw new EnvConfigError('OTEL_EXPORTER_CLOUDWATCH_NAMESPACE', rule, namespace);
    exporter.namespace = namespace;
  }
  const output = env['OTEL_EXPORTER_CLOUDWATCH_OUTPUT']?.trim();
  if (output) {
    // Case does not matter: putmetricdata, PutMetricData and EMF are what people type.
    const lower = output.toLowerCase();
    if (lower === 'emf') exporter.output = 'emf';
    else if (lower === 'putmetricdata') exporter.output = 'putMetricData';
    else if (lower === 'otlp') exporter.output = 'otlp';
    else throw new EnvConfigError('OTEL_EXPORTER_CLOUDWATCH_OUTPUT', 'must be putMetricData, emf or otlp', output);
  }
  const otlpEndpoint = env['OTEL_EXPORTER_CLOUDWATCH_OTLP_ENDPOINT']?.trim();
  if (otlpEndpoint) {
    if (!/^https?:\/\/[^/\s]/i.test(otlpEndpoint)) {
      throw new EnvConfigError('OTEL_EXPORTER_CLOUDWATCH_OTLP_ENDPOINT', 'must be an http or https URL', otlpEndpoint);
    }
    exporter.otlpEndpoint = otlpEndpoint;
  }
  const protocol = env['OTEL_EXPORTER_CLOUDWATCH_PUT_METRIC_DATA_PROTOCOL']?.trim().toLowerCase();
  if (protocol) {
    if (protocol !== 'json' && protocol !== 'cbor') {
      throw new EnvConfigError('OTEL_EXPORTER_CLOUDWATCH_PUT_METRIC_DATA_PROTOCOL', 'must be json or cbor', protocol);
    }
    exporter.putMetricDataProtocol = protocol;
  }
  const dims = env['OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS'];
  if (dims !== undefined && dims.trim() !== '') {
    const keys = dims.split(',').map((k) => k.trim());
    if (keys.some((k) => k === '')) {
      throw new EnvConfigError(
        'OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS',
        'must be keys separated by commas',
        dims,
      );
    }
    exporter.resourceDimensions = keys;
  }
  const resolution = env['OTEL_EXPORTER_CLOUDWATCH_STORAGE_RESOLUTION']?.trim();
  if (resolution) {
    if (resolution !== '1' && resolution !== '60') {
      throw new EnvConfigError('OTEL_EXPORTER_CLOUDWATCH_STORAGE_RESOLUTION', 'must be 1 or 60', resolution);
    }
    exporter.storageResolution = resolution === '1' ? 1 : 60;
  }
  const concurrency = integer(env, 'OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY', 1, 64);
  if (concurrency !== undefined) exporter.concurrency = concurrency;
  const entity = env['OTEL_EXPORTER_CLOUDWATCH_ENTITY']?.trim().toLowerCase();
  if (entity !== undefined && entity !== '') {
    // The spellings people use for on and off, so that turning entities off never turns metrics off.
    if (['auto', 'true', 'on', '1'].includes(entity)) exporter.entity = 'auto';
    else if (['off', 'false', 'none', '0'].includes(entity)) exporter.entity = false;
    else throw new EnvConfigError('OTEL_EXPORTER_CLOUDWATCH_ENTITY', 'must be auto or off', entity);
  }
  const config: EnvConfig = { exporter };
  const interval = integer(env, 'OTEL_METRIC_EXPORT_INTERVAL', 1, MAX_TIMER_MS);
  if (interval !== undefined) config.exportIntervalMillis = interval;
  const timeout = integer(env, 'OTEL_METRIC_EXPORT_TIMEOUT', 1, MAX_TIMER_MS);
  if (timeout !== undefined) config.exportTimeoutMillis = timeout;
  return config;
}
