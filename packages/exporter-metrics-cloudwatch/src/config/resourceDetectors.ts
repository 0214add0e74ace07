import {
  awsBeanstalkDetector,
  awsEc2Detector,
  awsEcsDetector,
  awsEksDetector,
  awsLambdaDetector,
} from '@opentelemetry/resource-detector-aws';
import {
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  serviceInstanceIdDetector,
  type ResourceDetector,
} from '@opentelemetry/resources';
import { DEFAULT_RESOURCE_DETECTORS } from '../defaults.js';
import { EnvConfigError } from './fromEnv.js';

const DETECTORS: Record<string, ResourceDetector[]> = {
  env: [envDetector],
  host: [hostDetector],
  os: [osDetector],
  process: [processDetector],
  serviceinstance: [serviceInstanceIdDetector],
  lambda: [awsLambdaDetector],
  ecs: [awsEcsDetector],
  eks: [awsEksDetector],
  beanstalk: [awsBeanstalkDetector],
  ec2: [awsEc2Detector],
  aws: [awsLambdaDetector, awsEcsDetector, awsEksDetector, awsBeanstalkDetector, awsEc2Detector],
};

// The default detectors (DEFAULT_RESOURCE_DETECTORS) only look at the process's own environment and files, and
// reach out to a platform's metadata service only when that environment says the process runs on it (Lambda's
// variables, ECS's metadata address, EKS's service-account files, Beanstalk's config file): nothing is sent
// anywhere, and nothing waits, anywhere else. EC2's detector asks the instance metadata service whatever the host,
// so it is chosen explicitly (`ec2` or `aws`).

/**
 * The detectors named by `OTEL_NODE_RESOURCE_DETECTORS` (OpenTelemetry's Node variable: a comma list of env, host,
 * os, process, serviceinstance, lambda, ecs, eks, beanstalk, ec2, aws, all or none), or the default.
 */
export function resourceDetectorsFromEnv(env: NodeJS.ProcessEnv = process.env): ResourceDetector[] {
  const raw = env['OTEL_NODE_RESOURCE_DETECTORS']?.trim() || DEFAULT_RESOURCE_DETECTORS;
  const names = raw.split(',').map((n) => n.trim().toLowerCase());
  for (const name of names) {
    if (!DETECTORS[name] && name !== 'all' && name !== 'none') {
      throw new EnvConfigError(
        'OTEL_NODE_RESOURCE_DETECTORS',
        `"${name}" is not one of ${Object.keys(DETECTORS).join(', ')}, all, none`,
        raw,
      );
    }
  }
  if (names.includes('none')) return [];
  const chosen = new Set<ResourceDetector>();
  for (const name of names.includes('all') ? Object.keys(DETECTORS) : names) {
    for (const d of DETECTORS[name]!) chosen.add(d);
  }
  return [...chosen];
}
