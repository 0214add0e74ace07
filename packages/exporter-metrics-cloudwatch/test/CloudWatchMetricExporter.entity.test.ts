import type { Entity, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { readMany, useLocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { diag, DiagLogLevel, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { CloudWatchMetricExporter, type EntityOption } from '../src';

interface PutInput {
  MetricData?: MetricDatum[];
  EntityMetricData?: Array<{ Entity: Entity; MetricData: MetricDatum[] }>;
  StrictEntityValidation?: boolean;
}

const EKS: Attributes = {
  'service.name': 'checkout',
  'cloud.platform': 'aws_eks',
  'k8s.cluster.name': 'prod',
  'k8s.namespace.name': 'shop',
  'k8s.deployment.name': 'checkout-api',
};

describe('CloudWatchMetricExporter with entities (EntityMetricData)', function () {
  this.timeout(60_000);
  const cw = useLocalCloudWatch();
  let n = 0;
  const warnings: string[] = [];
  before(() =>
    diag.setLogger(
      {
        error: () => {},
        warn: (...args) => void warnings.push(args.join(' ')),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    ),
  );
  after(() => diag.disable());
  beforeEach(async () => {
    warnings.length = 0;
    await cw().reset();
  });
  afterEach(() => expect(cw().violations.map((v) => v.violation)).to.deep.equal([]));

  /** Records `series` counter series (value i + 1 each) under a resource, exports once, returns what was put. */
  async function record(
    entity: EntityOption | undefined,
    resource: Attributes,
    series: number,
    maxRequestBytes?: number,
  ) {
    const namespace = `Entity${++n}`;
    const exporter = new CloudWatchMetricExporter({
      namespace,
      clientConfig: cw().clientConfig(),
      entity,
      maxRequestBytes,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes(resource),
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
    });
    const counter = provider.getMeter('entity').createCounter('orders');
    for (let i = 0; i < series; i++) counter.add(i + 1, { customer: `c${i}` });
    await provider.shutdown();
    const puts = cw().puts.map((p) => ({ status: p.status, input: p.input as PutInput, failure: p.entityFailure }));
    return { namespace, exporter, puts };
  }

  async function readBack(namespace: string, series: number): Promise<number[]> {
    const client = cw().client();
    try {
      return await readMany(
        client,
        namespace,
        'orders',
        Array.from({ length: series }, (_, i) => ({ customer: `c${i}` })),
      );
    } finally {
      client.destroy();
    }
  }

  it('an endpoint that refuses EntityMetricData as a whole: sent again without entities, every value, said once', async () => {
    cw().frontDoor.refuseRequests((input) =>
      Array.isArray(input['EntityMetricData']) ? 'Unrecognized field "EntityMetricData"' : undefined,
    );
    const namespace = `Entity${++n}`;
    const exporter = new CloudWatchMetricExporter({ namespace, clientConfig: cw().clientConfig(), entity: 'auto' });
    const provider = new MeterProvider({
      resource: resourceFromAttributes(EKS),
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
    });
    const counter = provider.getMeter('entity').createCounter('orders');
    for (let i = 0; i < 330; i++) counter.add(i + 1, { customer: `c${i}` });
    await provider.forceFlush();
    for (let i = 0; i < 330; i++) counter.add(i + 1, { customer: `c${i}` });
    await provider.shutdown();
    expect(await readBack(namespace, 330)).to.deep.equal(Array.from({ length: 330 }, (_, i) => 2 * (i + 1)));
    const stats = exporter.getStats();
    // The request, its two halves (refused alike: the request, not a datum), the halves again without the entity,
    // then the second export without one.
    expect(stats).to.include({ datumsExported: 660, entityFallbacks: 2, isolationRequests: 2, failedExports: 0 });
    expect(stats.dropped['rejected-by-cloudwatch']).to.equal(0);
    expect(cw().puts.map((p) => [p.status, Array.isArray((p.input as PutInput).EntityMetricData)])).to.deep.equal([
      [400, true],
      [400, true],
      [400, true],
      [200, false],
      [200, false],
      [200, false],
    ]);
    expect(warnings.filter((w) => w.includes('refused requests for carrying an entity'))).to.have.length(1);
  });

  it("'auto': every datum carries the service's entity, 1,000 a request, and every value lands", async () => {
    // 1,900 series: the SDK keeps at most 2,000 attribute sets per instrument.
    const { namespace, exporter, puts } = await record('auto', EKS, 1900);
    expect(puts.map((p) => p.status)).to.deep.equal([200, 200]);
    for (const { input } of puts) {
      expect(input.MetricData).to.equal(undefined);
      expect(input.StrictEntityValidation).to.equal(false);
      expect(input.EntityMetricData).to.have.length(1);
      expect(input.EntityMetricData![0]!.Entity).to.deep.equal({
        KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'eks:prod/shop' },
        Attributes: {
          PlatformType: 'AWS::EKS',
          'EKS.Cluster': 'prod',
          'K8s.Namespace': 'shop',
          'K8s.Workload': 'checkout-api',
          'AWS.ServiceNameSource': 'Instrumentation',
        },
      });
    }
    // Sent at once (concurrency 4): in either order.
    expect(puts.map((p) => p.input.EntityMetricData![0]!.MetricData.length).sort((a, b) => b - a)).to.deep.equal([
      1000, 900,
    ]);
    expect(await readBack(namespace, 1900)).to.deep.equal(Array.from({ length: 1900 }, (_, i) => i + 1));
    expect(exporter.getStats()).to.include({ datumsExported: 1900, entityFailures: 0 });
    expect(warnings).to.deep.equal([]);
  });

  it('an entity CloudWatch refuses costs nothing but a warning: the datums land (StrictEntityValidation false)', async () => {
    // An entity no local rule faults, that CloudWatch's entity store refuses all the same.
    cw().frontDoor.refuseEntities(() => 'InvalidEntity');
    const { namespace, exporter, puts } = await record('auto', EKS, 1500);
    expect(puts.map((p) => [p.status, p.failure?.failure])).to.deep.equal([
      [200, 'InvalidEntity'],
      [200, 'InvalidEntity'],
    ]);
    expect(await readBack(namespace, 1500)).to.deep.equal(Array.from({ length: 1500 }, (_, i) => i + 1));
    expect(exporter.getStats()).to.include({ datumsExported: 1500, entityFailures: 2 });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('X-Amzn-Failure-Message "InvalidEntity"');
  });

  it('a resource that names no service: plain MetricData, said once', async () => {
    const { namespace, puts } = await record('auto', { 'service.name': 'unknown_service:node' }, 10);
    expect(puts.every((p) => p.input.EntityMetricData === undefined && p.input.MetricData!.length === 10)).to.equal(
      true,
    );
    expect(await readBack(namespace, 10)).to.deep.equal(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('names no service');
  });

  it('isolates a datum CloudWatch refuses inside an entity request: the rest land, every half keeps the entity', async () => {
    cw().frontDoor.refuseDatums((d) => (d['Value'] === 13 ? 'a poisoned value' : undefined));
    const { namespace, exporter, puts } = await record('auto', EKS, 40);
    expect(puts.filter((p) => p.status === 400).length).to.be.above(0);
    expect(puts.every((p) => p.input.EntityMetricData?.[0]?.Entity.KeyAttributes?.['Name'] === 'checkout')).to.equal(
      true,
    );
    const back = await readBack(namespace, 40);
    expect(back).to.deep.equal(Array.from({ length: 40 }, (_, i) => (i + 1 === 13 ? 0 : i + 1)));
    expect(exporter.getStats().dropped['rejected-by-cloudwatch']).to.equal(1);
  });

  const plain = (puts: Array<{ input: PutInput }>, n: number) =>
    expect(puts.map((p) => [p.input.EntityMetricData, p.input.MetricData?.length])).to.deep.equal([[undefined, n]]);

  const unprintable = Object.create(null) as object;
  const huge = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, '用'.repeat(2048)]));
  const fns: Array<[string, EntityOption, string, number?]> = [
    [
      'throws something unprintable',
      () => {
        throw unprintable;
      },
      'the entity function threw (thrown object)',
    ],
    ['returns null', (() => null) as never, 'it is null'],
    ['returns a Promise', (async () => ({ KeyAttributes: {} })) as never, 'it is a Promise'],
    [
      'returns a number where a string goes',
      (() => ({ KeyAttributes: { Type: 'Service', Name: 5, Environment: 'e' } })) as never,
      'has a number for Name',
    ],
    [
      'returns a Service without Environment',
      () => ({ KeyAttributes: { Type: 'Service', Name: 'n' } }),
      'needs KeyAttributes.Environment',
    ],
    [
      'returns an entity taking most of a 64 KiB request',
      () => ({ KeyAttributes: { Type: 'Service', Name: 'n', Environment: 'e' }, Attributes: huge }),
      'more than a quarter of a request',
      65_536,
    ],
  ];
  for (const [what, fn, said, maxRequestBytes] of fns) {
    it(`an entity function that ${what}: plain datums, one warning saying so`, async () => {
      const { namespace, puts, exporter } = await record(fn, EKS, 5, maxRequestBytes);
      plain(puts, 5);
      expect(await readBack(namespace, 5)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(exporter.getStats().failedExports).to.equal(0);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.contain(said);
    });
  }

  it('sends the entity as it was when checked, whatever the function’s object becomes', async () => {
    const shared = {
      KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'prod' } as Record<string, unknown>,
    };
    const namespace = `Entity${++n}`;
    const exporter = new CloudWatchMetricExporter({
      namespace,
      clientConfig: cw().clientConfig(),
      entity: () => shared as never,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes(EKS),
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
    });
    const counter = provider.getMeter('entity').createCounter('orders');
    counter.add(1, { customer: 'c0' });
    await provider.forceFlush();
    shared.KeyAttributes['Name'] = 5;
    counter.add(1, { customer: 'c0' });
    await provider.shutdown();
    const names = cw().puts.map((p) => (p.input as PutInput).EntityMetricData![0]!.Entity.KeyAttributes!['Name']);
    expect(names).to.deep.equal(['checkout', 'checkout']);
  });

  it('off by default: no EntityMetricData', async () => {
    const { puts } = await record(undefined, EKS, 3);
    expect(puts.map((p) => [p.input.EntityMetricData, p.input.MetricData!.length])).to.deep.equal([[undefined, 3]]);
  });

  it('refuses, at construction, a fixed entity CloudWatch would not take, naming the problem', () => {
    expect(
      () =>
        new CloudWatchMetricExporter({
          namespace: 'X',
          entity: { KeyAttributes: { Type: 'Service', Name: 'a', Owner: 'me' } },
        }),
    ).to.throw(RangeError, /KeyAttributes has an unknown key "Owner"/);
  });
});
