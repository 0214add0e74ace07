import type { Attributes } from '@opentelemetry/api';
import { expect } from 'chai';
import { entityFromResource, entityProblem } from '../../src/entity/resourceEntity';

describe('entityFromResource (the service entity of a resource)', () => {
  const cases: Array<[string, Attributes, ReturnType<typeof entityFromResource>]> = [
    [
      'a service on EKS: environment eks:<cluster>/<namespace>, workload and node as the CloudWatch agent sets them',
      {
        'service.name': 'checkout',
        'telemetry.sdk.name': 'opentelemetry',
        'cloud.provider': 'aws',
        'cloud.platform': 'aws_eks',
        'k8s.cluster.name': 'prod',
        'k8s.namespace.name': 'shop',
        'k8s.deployment.name': 'checkout-api',
        'k8s.pod.name': 'checkout-api-5f7d-x2',
        'k8s.node.name': 'ip-10-0-1-2',
        'host.id': 'i-0123456789abcdef0',
      },
      {
        KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'eks:prod/shop' },
        Attributes: {
          PlatformType: 'AWS::EKS',
          'EKS.Cluster': 'prod',
          'K8s.Namespace': 'shop',
          'K8s.Workload': 'checkout-api',
          'K8s.Node': 'ip-10-0-1-2',
          'K8s.Pod': 'checkout-api-5f7d-x2',
          'EC2.InstanceId': 'i-0123456789abcdef0',
          'AWS.ServiceNameSource': 'Instrumentation',
        },
      },
    ],
    [
      'a service on plain Kubernetes, named by its workload (no service.name): k8s:<cluster>/<namespace>',
      {
        'service.name': 'unknown_service:node',
        'k8s.cluster.name': 'onprem',
        'k8s.namespace.name': 'batch',
        'k8s.statefulset.name': 'ledger',
      },
      {
        KeyAttributes: { Type: 'Service', Name: 'ledger', Environment: 'k8s:onprem/batch' },
        Attributes: {
          PlatformType: 'K8s',
          'K8s.Cluster': 'onprem',
          'K8s.Namespace': 'batch',
          'K8s.Workload': 'ledger',
          'AWS.ServiceNameSource': 'K8sWorkload',
        },
      },
    ],
    [
      'a service on ECS: ecs:<cluster> from the cluster ARN',
      {
        'service.name': 'billing',
        'cloud.platform': 'aws_ecs',
        'aws.ecs.cluster.arn': 'arn:aws:ecs:us-east-1:123456789012:cluster/payments',
        'host.name': 'ip-10-0-2-3',
      },
      {
        KeyAttributes: { Type: 'Service', Name: 'billing', Environment: 'ecs:payments' },
        Attributes: {
          PlatformType: 'AWS::ECS',
          'ECS.Cluster': 'payments',
          Host: 'ip-10-0-2-3',
          'AWS.ServiceNameSource': 'Instrumentation',
        },
      },
    ],
    [
      'a service on EC2 with its environment named: deployment.environment.name wins',
      {
        'service.name': 'search',
        'deployment.environment.name': 'production',
        'deployment.environment': 'old-name',
        'cloud.platform': 'aws_ec2',
        'host.id': 'i-0fedcba9876543210',
        'host.name': 'ip-10-0-3-4',
      },
      {
        KeyAttributes: { Type: 'Service', Name: 'search', Environment: 'production' },
        Attributes: {
          PlatformType: 'AWS::EC2',
          'EC2.InstanceId': 'i-0fedcba9876543210',
          Host: 'ip-10-0-3-4',
          'AWS.ServiceNameSource': 'Instrumentation',
        },
      },
    ],
    [
      'a service on EC2 without one: ec2:default (and the older deployment.environment is read too)',
      { 'service.name': 'search', 'cloud.platform': 'aws_ec2' },
      {
        KeyAttributes: { Type: 'Service', Name: 'search', Environment: 'ec2:default' },
        Attributes: { PlatformType: 'AWS::EC2', 'AWS.ServiceNameSource': 'Instrumentation' },
      },
    ],
    [
      'a Lambda function without OTEL_SERVICE_NAME: named by the function, lambda:default',
      { 'service.name': 'unknown_service:node', 'cloud.platform': 'aws_lambda', 'faas.name': 'resize-image' },
      {
        KeyAttributes: { Type: 'Service', Name: 'resize-image', Environment: 'lambda:default' },
        Attributes: { PlatformType: 'AWS::Lambda', 'Lambda.Function': 'resize-image' },
      },
    ],
    [
      'an unknown platform: Generic, generic:default',
      { 'service.name': 'worker', 'host.name': 'laptop', 'deployment.environment': 'staging' },
      {
        KeyAttributes: { Type: 'Service', Name: 'worker', Environment: 'staging' },
        Attributes: { PlatformType: 'Generic', Host: 'laptop', 'AWS.ServiceNameSource': 'Instrumentation' },
      },
    ],
    ['no service.name, nothing to name it by: no entity', { 'service.name': 'unknown_service:node' }, undefined],
    ['no attributes at all: no entity', {}, undefined],
  ];
  for (const [title, attributes, expected] of cases) {
    it(title, () => {
      const entity = entityFromResource(attributes);
      expect(entity).to.deep.equal(expected);
      if (entity) expect(entityProblem(entity)).to.equal(undefined);
    });
  }

  it('finds what CloudWatch would refuse in an entity’s shape', () => {
    const ok = { Type: 'Service', Name: 'a', Environment: 'b' };
    expect(entityProblem({ KeyAttributes: ok })).to.equal(undefined);
    expect(entityProblem({})).to.match(/KeyAttributes is missing/);
    expect(entityProblem({ KeyAttributes: { Type: 'Service' } })).to.match(/1 entries/);
    expect(entityProblem({ KeyAttributes: { ...ok, Owner: 'x' } })).to.match(/unknown key "Owner"/);
    expect(entityProblem({ KeyAttributes: { ...ok, Name: '' } })).to.match(/Name must be a string of 1–2048/);
    expect(entityProblem({ KeyAttributes: { ...ok, Name: 'n'.repeat(2049) } })).to.match(/Name/);
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect(entityProblem({ KeyAttributes: ok, Attributes: eleven })).to.match(/11 entries/);
    expect(entityProblem({ KeyAttributes: ok, Attributes: { ['k'.repeat(257)]: 'v' } })).to.match(/257 characters/);
  });
});
