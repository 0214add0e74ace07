import { expect } from 'chai';
import { configFromEnv, EnvConfigError } from '../../src/config/fromEnv';

describe('configFromEnv', () => {
  it('reads nothing from an empty environment (every default is the options’)', () => {
    expect(configFromEnv({})).to.deep.equal({ exporter: {} });
  });

  const parsed: Array<[string, NodeJS.ProcessEnv, object]> = [
    ['the namespace', { OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: ' Shop ' }, { exporter: { namespace: 'Shop' } }],
    [
      'resource dimensions, trimmed',
      { OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS: 'service.name, cloud.region' },
      { exporter: { resourceDimensions: ['service.name', 'cloud.region'] } },
    ],
    [
      'storage resolution 1',
      { OTEL_EXPORTER_CLOUDWATCH_STORAGE_RESOLUTION: '1' },
      { exporter: { storageResolution: 1 } },
    ],
    ['concurrency', { OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY: '8' }, { exporter: { concurrency: 8 } }],
    ['EMF output', { OTEL_EXPORTER_CLOUDWATCH_OUTPUT: ' EMF ' }, { exporter: { output: 'emf' } }],
    ['OTLP output', { OTEL_EXPORTER_CLOUDWATCH_OUTPUT: 'OTLP' }, { exporter: { output: 'otlp' } }],
    [
      'OTLP endpoint',
      { OTEL_EXPORTER_CLOUDWATCH_OTLP_ENDPOINT: ' https://monitoring.eu-west-1.amazonaws.com/v1/metrics ' },
      { exporter: { otlpEndpoint: 'https://monitoring.eu-west-1.amazonaws.com/v1/metrics' } },
    ],
    [
      'PutMetricData output',
      { OTEL_EXPORTER_CLOUDWATCH_OUTPUT: 'putmetricdata' },
      { exporter: { output: 'putMetricData' } },
    ],
    [
      'CBOR',
      { OTEL_EXPORTER_CLOUDWATCH_PUT_METRIC_DATA_PROTOCOL: ' CBOR ' },
      { exporter: { putMetricDataProtocol: 'cbor' } },
    ],
    ['entities on', { OTEL_EXPORTER_CLOUDWATCH_ENTITY: 'AUTO' }, { exporter: { entity: 'auto' } }],
    ['entities off', { OTEL_EXPORTER_CLOUDWATCH_ENTITY: 'off' }, { exporter: { entity: false } }],
    ['entities off, as false', { OTEL_EXPORTER_CLOUDWATCH_ENTITY: 'false' }, { exporter: { entity: false } }],
    ['entities on, as true', { OTEL_EXPORTER_CLOUDWATCH_ENTITY: ' true ' }, { exporter: { entity: 'auto' } }],
    ['the export interval', { OTEL_METRIC_EXPORT_INTERVAL: '10000' }, { exporter: {}, exportIntervalMillis: 10_000 }],
    ['the export timeout', { OTEL_METRIC_EXPORT_TIMEOUT: '5000' }, { exporter: {}, exportTimeoutMillis: 5000 }],
    [
      'empty values as unset',
      { OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY: '', OTEL_METRIC_EXPORT_INTERVAL: ' ' },
      { exporter: {} },
    ],
  ];
  for (const [name, env, expected] of parsed) {
    it(`reads ${name}`, () => expect(configFromEnv(env)).to.deep.equal(expected));
  }

  const rejected: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [
      { OTEL_EXPORTER_CLOUDWATCH_STORAGE_RESOLUTION: '30' },
      /^OTEL_EXPORTER_CLOUDWATCH_STORAGE_RESOLUTION="30": must be 1 or 60$/,
    ],
    [
      { OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY: '0' },
      /^OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY="0": must be a whole number from 1 to 64$/,
    ],
    [{ OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY: '4.5' }, /CONCURRENCY="4.5"/],
    [
      { OTEL_EXPORTER_CLOUDWATCH_OUTPUT: 'stdout' },
      /^OTEL_EXPORTER_CLOUDWATCH_OUTPUT="stdout": must be putMetricData, emf or otlp$/,
    ],
    [
      { OTEL_EXPORTER_CLOUDWATCH_OTLP_ENDPOINT: 'monitoring.us-east-1.amazonaws.com/v1/metrics' },
      /^OTEL_EXPORTER_CLOUDWATCH_OTLP_ENDPOINT="monitoring.*": must be an http or https URL$/,
    ],
    [
      { OTEL_EXPORTER_CLOUDWATCH_PUT_METRIC_DATA_PROTOCOL: 'protobuf' },
      /^OTEL_EXPORTER_CLOUDWATCH_PUT_METRIC_DATA_PROTOCOL="protobuf": must be json or cbor$/,
    ],
    [{ OTEL_EXPORTER_CLOUDWATCH_ENTITY: 'yes' }, /^OTEL_EXPORTER_CLOUDWATCH_ENTITY="yes": must be auto or off$/],
    [{ OTEL_METRIC_EXPORT_INTERVAL: '1e3' }, /^OTEL_METRIC_EXPORT_INTERVAL="1e3": must be a whole number/],
    [{ OTEL_METRIC_EXPORT_TIMEOUT: '-1' }, /^OTEL_METRIC_EXPORT_TIMEOUT="-1"/],
    [
      { OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: 'AWS/EC2' },
      /^OTEL_EXPORTER_CLOUDWATCH_NAMESPACE="AWS\/EC2": must not start with "AWS\/", which is reserved/,
    ],
    [
      { OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: 'Café' },
      /^OTEL_EXPORTER_CLOUDWATCH_NAMESPACE="Café": must be printable ASCII/,
    ],
    [
      { OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS: 'a,,b' },
      /RESOURCE_DIMENSIONS="a,,b": must be keys separated by commas/,
    ],
  ];
  for (const [env, message] of rejected) {
    it(`rejects ${JSON.stringify(env)}, naming the variable and the rule`, () => {
      expect(() => configFromEnv(env)).to.throw(EnvConfigError, message);
    });
  }
});
