import { awsEc2Detector, awsLambdaDetector } from '@opentelemetry/resource-detector-aws';
import { envDetector } from '@opentelemetry/resources';
import { expect } from 'chai';
import { EnvConfigError } from '../../src/config/fromEnv';
import { resourceDetectorsFromEnv } from '../../src/config/resourceDetectors';

describe('resourceDetectorsFromEnv (OTEL_NODE_RESOURCE_DETECTORS)', () => {
  it('by default detects env, host, process and AWS platforms that announce themselves, but never asks EC2', () => {
    const detectors = resourceDetectorsFromEnv({});
    expect(detectors).to.have.length(7);
    expect(detectors).to.include(envDetector);
    expect(detectors).to.include(awsLambdaDetector);
    expect(detectors).not.to.include(awsEc2Detector);
  });

  it('asks EC2 when told to (ec2, aws or all), each detector once', () => {
    expect(resourceDetectorsFromEnv({ OTEL_NODE_RESOURCE_DETECTORS: 'env, ec2' })).to.deep.equal([
      envDetector,
      awsEc2Detector,
    ]);
    const all = resourceDetectorsFromEnv({ OTEL_NODE_RESOURCE_DETECTORS: 'aws,lambda' });
    expect(all).to.include(awsEc2Detector);
    expect(all.filter((d) => d === awsLambdaDetector)).to.have.length(1);
    expect(resourceDetectorsFromEnv({ OTEL_NODE_RESOURCE_DETECTORS: 'all' })).to.have.length(10);
  });

  it('detects nothing with none', () => {
    expect(resourceDetectorsFromEnv({ OTEL_NODE_RESOURCE_DETECTORS: 'none' })).to.deep.equal([]);
  });

  it('rejects an unknown name, naming the variable and the choices', () => {
    expect(() => resourceDetectorsFromEnv({ OTEL_NODE_RESOURCE_DETECTORS: 'none,foo' })).to.throw(
      EnvConfigError,
      /"foo"/,
    );
    expect(() => resourceDetectorsFromEnv({ OTEL_NODE_RESOURCE_DETECTORS: 'env,gcp' })).to.throw(
      EnvConfigError,
      /^OTEL_NODE_RESOURCE_DETECTORS="env,gcp": "gcp" is not one of env, host/,
    );
  });
});
