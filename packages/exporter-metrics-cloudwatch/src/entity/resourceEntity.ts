import type { Entity } from '@aws-sdk/client-cloudwatch';
import type { Attributes } from '@opentelemetry/api';

/*
 * The entity of the service a resource describes, as CloudWatch's "explore related" links telemetry: KeyAttributes
 * `Type: Service`, `Name`, `Environment`, and platform Attributes. Modelled on AWS's own OpenTelemetry-based agents:
 * the CloudWatch agent's entity processor (EKS, Kubernetes, EC2) and Application Signals' platform attributes and
 * environment defaults (ECS, generic); docs/entities.md says which rule comes from where.
 */

/** CloudWatch's bounds on an entity (API reference, `Entity`). */
const MAX_KEY_ATTRIBUTE_KEY = 32;
const MAX_ATTRIBUTES = 10;
const MAX_ATTRIBUTE_KEY = 256;
const MAX_VALUE = 2048;
const KEY_ATTRIBUTES = new Set(['Type', 'ResourceType', 'Identifier', 'Name', 'Environment']);

type Platform = 'AWS::EKS' | 'K8s' | 'AWS::ECS' | 'AWS::EC2' | 'AWS::Lambda' | 'Generic';

/** The Kubernetes workload a pod belongs to, most specific owner first (as the CloudWatch agent reads it). */
const WORKLOAD_KEYS = [
  'k8s.deployment.name',
  'k8s.replicaset.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.cronjob.name',
  'k8s.job.name',
  'k8s.pod.name',
  'k8s.container.name',
];

function text(attributes: Attributes, key: string): string | undefined {
  const v = attributes[key];
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

function platformOf(attributes: Attributes): Platform {
  switch (text(attributes, 'cloud.platform')) {
    case 'aws_eks':
      return 'AWS::EKS';
    case 'aws_ecs':
      return 'AWS::ECS';
    case 'aws_ec2':
      return 'AWS::EC2';
    case 'aws_lambda':
      return 'AWS::Lambda';
  }
  return text(attributes, 'k8s.cluster.name') !== undefined ? 'K8s' : 'Generic';
}

/** The last segment of an ARN's resource part (`…:cluster/name` → `name`). */
function arnName(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  return name === '' || name.startsWith('arn:') ? undefined : name;
}

/**
 * The service entity of a resource, or undefined when the resource names no service: `service.name` (not the
 * SDK's `unknown_service…` default), else the Kubernetes workload, else the Lambda function. Pure.
 */
export function entityFromResource(attributes: Attributes): Entity | undefined {
  const platform = platformOf(attributes);
  const cluster = text(attributes, 'k8s.cluster.name');
  const namespace = text(attributes, 'k8s.namespace.name');
  const workload = WORKLOAD_KEYS.map((k) => text(attributes, k)).find((v) => v !== undefined);
  const ecsCluster = arnName(text(attributes, 'aws.ecs.cluster.arn'));
  const functionName = text(attributes, 'faas.name');

  let name = text(attributes, 'service.name');
  let nameSource: string | undefined = 'Instrumentation';
  if (name === undefined || name.startsWith('unknown_service')) {
    const k8s = platform === 'AWS::EKS' || platform === 'K8s';
    name = k8s ? workload : platform === 'AWS::Lambda' ? functionName : undefined;
    nameSource = k8s && name !== undefined ? 'K8sWorkload' : undefined;
  }
  if (name === undefined) return undefined;

  const environment =
    text(attributes, 'deployment.environment.name') ??
    text(attributes, 'deployment.environment') ??
    defaultEnvironment(platform, cluster, namespace, ecsCluster);

  const a: Record<string, string> = { PlatformType: platform };
  const put = (key: string, value: string | undefined) => {
    if (value !== undefined) a[key] = value;
  };
  if (platform === 'AWS::EKS') put('EKS.Cluster', cluster);
  if (platform === 'K8s') put('K8s.Cluster', cluster);
  if (platform === 'AWS::EKS' || platform === 'K8s') {
    put('K8s.Namespace', namespace);
    put('K8s.Workload', workload);
    put('K8s.Node', text(attributes, 'k8s.node.name'));
    put('K8s.Pod', text(attributes, 'k8s.pod.name'));
  }
  if (platform === 'AWS::ECS') put('ECS.Cluster', ecsCluster);
  if (platform === 'AWS::Lambda') put('Lambda.Function', functionName);
  if (platform === 'AWS::EC2' || platform === 'AWS::EKS') put('EC2.InstanceId', text(attributes, 'host.id'));
  put('Host', text(attributes, 'host.name'));
  put('AWS.ServiceNameSource', nameSource);
  return { KeyAttributes: { Type: 'Service', Name: name, Environment: environment }, Attributes: a };
}

function defaultEnvironment(
  platform: Platform,
  cluster: string | undefined,
  namespace: string | undefined,
  ecsCluster: string | undefined,
): string {
  switch (platform) {
    case 'AWS::EKS':
      return cluster !== undefined && namespace !== undefined ? `eks:${cluster}/${namespace}` : 'eks:default';
    case 'K8s':
      return cluster !== undefined && namespace !== undefined ? `k8s:${cluster}/${namespace}` : 'k8s:default';
    case 'AWS::ECS':
      return ecsCluster !== undefined ? `ecs:${ecsCluster}` : 'ecs:default';
    case 'AWS::EC2':
      return 'ec2:default';
    case 'AWS::Lambda':
      return 'lambda:default';
    default:
      return 'generic:default';
  }
}

/** Types and the key attributes each needs besides Type (CloudWatch User Guide, adding related telemetry). */
const ENTITY_TYPES: ReadonlyMap<string, readonly string[]> = new Map([
  ['Service', ['Name', 'Environment']],
  ['AWS::Service', ['Name']],
  ['Resource', ['ResourceType', 'Identifier']],
  ['AWS::Resource', ['ResourceType', 'Identifier']],
]);

/** The most of a request an entity's envelope may take: the rest is for the datums it carries. */
export function maxEntityBytes(maxRequestBytes: number): number {
  return Math.floor(maxRequestBytes / 4);
}

/**
 * {@link snapshotEntity}, and no larger than `maxBytes` of JSON: the one check an entity passes before it is sent,
 * whether it came as an option or from a function.
 */
export function checkEntity(value: unknown, maxBytes: number): { entity: Entity } | { problem: string } {
  const snapshot = snapshotEntity(value);
  if ('problem' in snapshot) return snapshot;
  const bytes = Buffer.byteLength(JSON.stringify(snapshot.entity));
  if (bytes > maxBytes) return { problem: `it takes ${bytes} bytes, more than a quarter of a request (${maxBytes})` };
  return snapshot;
}

/**
 * A plain, frozen copy of what an entity option or function gave: own string entries only, `Attributes: null` as
 * none. What is sent is this copy, checked once, never the caller's object (which could change, or serialize
 * differently through an inherited `toJSON`). Undefined with the reason when it is not an entity at all.
 */
function snapshotEntity(value: unknown): { entity: Entity } | { problem: string } {
  if (value === null) return { problem: 'it is null' };
  if (typeof value !== 'object') return { problem: `it is a ${typeof value}, not an object` };
  if (typeof (value as PromiseLike<unknown>).then === 'function') {
    return { problem: 'it is a Promise (an entity function must return the entity itself)' };
  }
  const v = value as { KeyAttributes?: unknown; Attributes?: unknown };
  const keys = plainStrings(v.KeyAttributes);
  if (typeof keys === 'string') return { problem: `KeyAttributes ${keys}` };
  const entity: Entity = { KeyAttributes: keys };
  if (v.Attributes !== undefined && v.Attributes !== null) {
    const attributes = plainStrings(v.Attributes);
    if (typeof attributes === 'string') return { problem: `Attributes ${attributes}` };
    entity.Attributes = attributes;
  }
  const problem = entityProblem(entity);
  return problem === undefined ? { entity: Object.freeze(entity) } : { problem };
}

/** A map's own entries as a frozen plain object of strings, or what is wrong with it. */
function plainStrings(map: unknown): Record<string, string> | string {
  if (map === undefined || map === null || typeof map !== 'object' || Array.isArray(map)) return 'is not a map';
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string') return `has a ${typeof v} for ${k}, not a string`;
    out[k] = v;
  }
  return Object.freeze(out);
}

/**
 * What CloudWatch would find wrong with an entity (API reference, `Entity`; the User Guide for the key attributes
 * each type needs), or undefined. Values too long for it are not shortened: an identity cut short would name
 * another service.
 */
export function entityProblem(entity: Entity): string | undefined {
  const keys = entity.KeyAttributes;
  if (keys === undefined || keys === null || typeof keys !== 'object') return 'KeyAttributes is missing';
  const keyEntries = Object.entries(keys);
  if (keyEntries.length < 2 || keyEntries.length > 4) return `KeyAttributes has ${keyEntries.length} entries (2–4)`;
  for (const [k, v] of keyEntries) {
    if (!KEY_ATTRIBUTES.has(k) || k.length > MAX_KEY_ATTRIBUTE_KEY) return `KeyAttributes has an unknown key "${k}"`;
    if (typeof v !== 'string' || v.length < 1 || v.length > MAX_VALUE) {
      return `KeyAttributes.${k} must be a string of 1–${MAX_VALUE} characters`;
    }
  }
  const needs = ENTITY_TYPES.get(String(keys['Type']));
  if (needs === undefined) {
    return `KeyAttributes.Type must be one of ${[...ENTITY_TYPES.keys()].join(', ')}`;
  }
  const missing = needs.find((k) => keys[k] === undefined);
  if (missing !== undefined) return `a ${String(keys['Type'])} entity needs KeyAttributes.${missing}`;
  const attributes = entity.Attributes ?? {};
  if (typeof attributes !== 'object' || attributes === null) return 'Attributes is not a map';
  const entries = Object.entries(attributes);
  if (entries.length > MAX_ATTRIBUTES) return `Attributes has ${entries.length} entries (at most ${MAX_ATTRIBUTES})`;
  for (const [k, v] of entries) {
    if (k.length < 1 || k.length > MAX_ATTRIBUTE_KEY) return `Attributes has a key of ${k.length} characters`;
    if (typeof v !== 'string' || v.length < 1 || v.length > MAX_VALUE) {
      return `Attributes.${k} must be a string of 1–${MAX_VALUE} characters`;
    }
  }
  return undefined;
}
