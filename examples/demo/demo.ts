/*
 * The demo: a small instrumented HTTP service under generated load, exporting with CloudWatchMetricExporter to
 * a local CloudWatch (moto behind the strict front door, on loopback — no AWS account, no network), then what
 * CloudWatch stored, read back.
 *
 *   npm run demo                          # local CloudWatch, about 20 seconds
 *   npm run demo -- --seconds 60          # longer
 *   npm run demo -- --aws                 # real CloudWatch: your AWS credentials and region, as the SDK finds them
 */
import { CloudWatchClient, GetMetricStatisticsCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { LocalCloudWatch } from '@otel-cloudwatch/local-cloudwatch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';
import { generateLoad, startService } from '../http-service/service';
import { publishedDistributions, readBack, type SeriesReport } from './readBack';
import { barChart, htmlReport, logBins, tables, type Bar } from './render';

interface Args {
  aws: boolean;
  seconds: number;
  interval: number;
  report: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    aws: false,
    seconds: 20,
    interval: 5,
    report: resolve(__dirname, '..', '..', 'reports', 'demo-report.html'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--aws') args.aws = true;
    else if (a === '--seconds') args.seconds = Number(argv[++i]);
    else if (a === '--interval') args.interval = Number(argv[++i]);
    else if (a === '--report') args.report = resolve(argv[++i] ?? args.report);
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run demo -- [--aws] [--seconds N] [--interval N] [--report FILE]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!(args.seconds > 0) || !(args.interval > 0)) throw new Error('--seconds and --interval take positive numbers');
  return args;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

let local: LocalCloudWatch | undefined;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = new Date();
  let namespace: string;
  if (args.aws) {
    namespace = 'OtelCloudWatch/Demo';
    console.log(`\n▶ Real CloudWatch: region and credentials from your AWS configuration. Namespace ${namespace}.`);
  } else {
    process.stdout.write('\n▶ Starting a local CloudWatch (moto behind the strict front door) … ');
    local = await LocalCloudWatch.start();
    namespace = 'OtelCloudWatch/Demo';
    console.log(`ready on ${local.endpoint}`);
  }

  const exporter = new CloudWatchMetricExporter({
    namespace,
    resourceDimensions: ['service.name'],
    // High resolution, so a short demo can show one bar per export interval.
    storageResolution: 1,
    ...(local ? { clientConfig: local.clientConfig() } : {}),
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'toy-shop' }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: args.interval * 1000 })],
  });
  const service = await startService(provider.getMeter('toy-shop'));
  console.log(
    `▶ Toy shop listening on ${service.url}; 8 clients for ${args.seconds} s, exporting every ${args.interval} s\n`,
  );

  let served = 0;
  const tty = process.stdout.isTTY;
  let lastExports = 0;
  const progress = () => {
    const s = exporter.getStats();
    const elapsed = (Date.now() - started.getTime()) / 1000;
    const done = Math.min(1, elapsed / args.seconds);
    const bar = '█'.repeat(Math.round(done * 20)).padEnd(20, '░');
    const line =
      `  ${elapsed.toFixed(1).padStart(5)} s ▕${bar}▏ ${served.toLocaleString('en-US')} requests served · ` +
      `${s.exports} exports · ${s.datumsExported} datums in ${s.requests} PutMetricData · ${s.failedRequests} failed`;
    if (tty) process.stdout.write(`\r${line}`);
    else if (s.exports !== lastExports) console.log(line);
    lastExports = s.exports;
  };
  const ticker = setInterval(progress, tty ? 250 : 1000);
  await generateLoad(service.url, Date.now() + args.seconds * 1000, 8, () => served++);
  await service.close();
  await provider.shutdown(); // the last interval goes out here
  clearInterval(ticker);
  progress();
  console.log('\n');

  const client = local ? local.client() : new CloudWatchClient({});
  const published = local
    ? publishedDistributions(local.puts.flatMap((r) => (r.input as { MetricData: MetricDatum[] }).MetricData))
    : undefined;
  if (!local) console.log('  (CloudWatch can take a minute to show new data: reading back until it is there)\n');
  let reports: SeriesReport[] = [];
  for (let attempt = 0; attempt < (local ? 1 : 12); attempt++) {
    reports = await readBack(client, namespace, started, published);
    if (reports.length > 0 || local) break;
    await new Promise((r) => setTimeout(r, 10_000));
  }

  // Requests served per export interval, as CloudWatch counts them (SampleCount of the duration histogram).
  const perInterval = new Map<number, number>();
  for (const r of reports.filter((x) => x.metric === 'http.server.request.duration')) {
    const res = await client.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: r.metric,
        Dimensions: r.dimensions,
        StartTime: new Date(started.getTime() - 5000),
        EndTime: new Date(Date.now() + 5000),
        Period: 1,
        Statistics: ['SampleCount'],
      }),
    );
    for (const p of res.Datapoints ?? []) {
      // One bar per export interval, counted from the start of the run.
      const step = args.interval * 1000;
      const t = Math.round((p.Timestamp!.getTime() - started.getTime()) / step) * step + started.getTime();
      perInterval.set(t, (perInterval.get(t) ?? 0) + (p.SampleCount ?? 0));
    }
  }
  const intervalBars: Bar[] = [...perInterval.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, v]) => ({ label: `+${((t - started.getTime()) / 1000).toFixed(0)} s`, value: v }));
  const latency = reports.filter((r) => r.metric === 'http.server.request.duration' && r.distribution);
  const latencyBars = logBins(
    latency.flatMap((r) => r.distribution!.values),
    latency.flatMap((r) => r.distribution!.counts),
  );

  console.log('━━ What CloudWatch stored (read back with ListMetrics + GetMetricStatistics) ━━\n');
  console.log(tables(reports));
  if (intervalBars.length)
    console.log(barChart('Requests served per export interval (SampleCount, all routes)', intervalBars), '\n');
  if (latencyBars.length)
    console.log(barChart('Latency distribution, ms (published Values/Counts, all routes)', latencyBars), '\n');

  const s = exporter.getStats();
  const drops = Object.entries(s.dropped).filter(([, n]) => n > 0);
  const summary = [
    `${served.toLocaleString('en-US')} HTTP requests served in ${args.seconds} s`,
    `${s.exports} exports → ${s.requests} PutMetricData requests (${s.retries} retries, ${s.failedRequests} failed), ${s.datumsExported} datums`,
    `request bodies: ${kb(s.uncompressedBytes)} uncompressed → ${kb(s.wireBytes)} on the wire (${s.compressedRequests} of ${s.requests} gzipped)`,
    drops.length
      ? `dropped points: ${drops.map(([reason, n]) => `${n} × ${reason}`).join(', ')} ` +
        '(the hit ratio of a cache never looked up is 0/0 = NaN; its neighbours went out)'
      : 'dropped points: none',
    ...(local ? [`front-door violations (requests CloudWatch would have refused): ${local.violations.length}`] : []),
  ];
  console.log('━━ The exporter ━━\n');
  for (const line of summary) console.log(`  • ${line}`);

  mkdirSync(join(args.report, '..'), { recursive: true });
  writeFileSync(
    args.report,
    htmlReport({
      title: `otel-cloudwatch demo — ${started.toISOString()}`,
      summary,
      charts: [
        { title: 'Requests served per export interval', bars: intervalBars },
        { title: 'Latency distribution (ms)', bars: latencyBars },
      ],
      reports,
    }),
  );
  console.log(`\n  Report with charts: ${args.report}\n`);

  client.destroy();
  await local?.stop();
  const landed = reports.some((r) => r.metric === 'http.server.request.duration' && r.sampleCount > 0);
  return landed && (local?.violations.length ?? 0) === 0 && s.failedRequests === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  async (err: unknown) => {
    console.error(`\ndemo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
    await local?.stop();
  },
);
