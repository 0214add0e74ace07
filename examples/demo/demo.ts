/*
 * The demo: a small instrumented HTTP service under generated load, exporting with CloudWatchMetricExporter to
 * a local CloudWatch (moto behind the strict front door, on loopback — no AWS account, no network), then what
 * CloudWatch stored, read back.
 *
 *   npm run demo                          # local CloudWatch: 20 s of load, about 31 s in all
 *   npm run demo -- --seconds 60          # longer
 *   npm run demo -- --aws                 # real CloudWatch: your AWS credentials and region, as the SDK finds them
 *   npm run demo -- --output emf          # EMF lines instead of requests, read by the local CloudWatch's extractor
 *   npm run demo -- --output otlp         # OTLP to the local stand-in of CloudWatch's OTLP endpoint
 */
import { CloudWatchClient, GetMetricStatisticsCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { LocalCloudWatch, MotoUnavailableError, type OtlpPoint } from '@otel-cloudwatch/local-cloudwatch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CloudWatchMetricExporter } from 'opentelemetry-exporter-metrics-cloudwatch';
import { generateLoad, startService } from '../http-service/service';
import { publishedDistributions, readBack, type ReadBackProgress, type SeriesReport } from './readBack';
import { barChart, htmlReport, logBins, tables, type Bar } from './render';

interface Args {
  aws: boolean;
  output: 'putMetricData' | 'emf' | 'otlp';
  seconds: number;
  interval: number;
  report: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    aws: false,
    output: 'putMetricData',
    seconds: 20,
    interval: 5,
    report: resolve(__dirname, '..', '..', 'reports', 'demo-report.html'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--aws') args.aws = true;
    else if (a === '--output') {
      const output = argv[++i];
      if (output !== 'emf' && output !== 'putMetricData' && output !== 'otlp') {
        throw new Error('--output takes putMetricData, emf or otlp');
      }
      args.output = output;
    } else if (a === '--seconds') args.seconds = Number(argv[++i]);
    else if (a === '--interval') args.interval = Number(argv[++i]);
    else if (a === '--report') args.report = resolve(argv[++i] ?? args.report);
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: npm run demo -- [--aws] [--output putMetricData|emf|otlp] [--seconds N] [--interval N] [--report FILE]',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!(args.seconds > 0) || !(args.interval > 0)) throw new Error('--seconds and --interval take positive numbers');
  if (args.aws && args.output === 'emf') {
    // Only CloudWatch Logs reads EMF (Lambda, ECS's awslogs): from a terminal, the lines would go nowhere.
    throw new Error('--output emf runs against the local CloudWatch only (its EMF extractor plays CloudWatch Logs)');
  }
  if (args.aws && args.output === 'otlp') {
    // What the OTLP endpoint stores is read back with PromQL, which the demo does not speak.
    throw new Error('--output otlp runs against the local CloudWatch only (its OTLP stand-in reads the points back)');
  }
  return args;
}

const kb = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** `1 export`, `2 exports`: a count with its noun in the right number. */
const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

let local: LocalCloudWatch | undefined;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  // Before any datum: the read-back window starts here.
  const started = new Date();
  // Where the time goes, printed at the end: a run that takes longer than its --seconds says why. Each phase
  // ends where the next begins (performance.now() counts from the process start), and each is shown as the
  // difference of its rounded ends, so that the phases as printed add up to the total as printed.
  const phases: Array<{ name: string; end: number }> = [
    { name: 'starting Node and loading the demo', end: performance.now() },
  ];
  const endPhase = (name: string) => phases.push({ name, end: performance.now() });
  const tenths = (ms: number) => Math.round(ms / 100);
  const phaseSecs = (i: number) => `${((tenths(phases[i]!.end) - tenths(phases[i - 1]?.end ?? 0)) / 10).toFixed(1)} s`;
  // On a terminal one line follows the run live and each step that finishes leaves a line; in a log, only those.
  const tty = process.stdout.isTTY;
  const write = (line: string, keep: boolean) => {
    if (!tty) {
      if (keep) console.log(line);
      return;
    }
    // A live line wider than the terminal would wrap, and \r could not redraw it in place: it is cut to fit.
    // A line that stays is written whole.
    const width = process.stdout.columns;
    const shown = keep || line.length < width ? line : `${line.slice(0, width - 2)}…`;
    process.stdout.write(`\r${shown}\x1b[K${keep ? '\n' : ''}`);
  };

  let namespace: string;
  if (args.aws) {
    namespace = 'OtelCloudWatch/Demo';
    console.log(`\n▶ Real CloudWatch: region and credentials from your AWS configuration. Namespace ${namespace}.`);
  } else {
    process.stdout.write('\n▶ Starting a local CloudWatch (moto behind the strict front door) … ');
    try {
      local = await LocalCloudWatch.start();
    } catch (err) {
      if (!(err instanceof MotoUnavailableError)) throw err;
      // What to do about it, in two lines: no stack trace for a missing tool.
      console.error(`\n\n${err.message}\nOr run the demo against your real CloudWatch: npm run demo -- --aws`);
      return 1;
    }
    namespace = 'OtelCloudWatch/Demo';
    console.log(`ready on ${local.endpoint}`);
    endPhase('starting the local CloudWatch');
  }

  // With EMF, the lines go to the local CloudWatch's extractor, as a Lambda's stdout goes to CloudWatch Logs.
  const extractor = local && args.output === 'emf' ? local.emfExtractor() : undefined;
  const emf = extractor !== undefined;
  const requestName = args.output === 'otlp' ? 'OTLP' : 'PutMetricData';
  const exporter = new CloudWatchMetricExporter({
    namespace,
    ...(extractor ? { output: 'emf' as const, emfStream: extractor } : {}),
    ...(args.output === 'otlp' ? { output: 'otlp' as const } : {}),
    resourceDimensions: ['service.name'],
    // High resolution, so a short demo can show one bar per export interval.
    storageResolution: 1,
    // One deadline: the exporter's timeout no longer than the reader's, which is at most its interval.
    timeoutMillis: Math.min(30_000, args.interval * 1000),
    ...(local ? { clientConfig: local.clientConfig() } : {}),
  });

  let served = 0;
  let loadStart = performance.now();
  let exportsDone = 0;
  let shuttingDown = false;
  // The exporter's totals as the last finished export left them.
  let totals = exporter.getStats();
  const progressLine = () => {
    const elapsed = (performance.now() - loadStart) / 1000;
    const bar = '█'.repeat(Math.round(Math.min(1, elapsed / args.seconds) * 20)).padEnd(20, '░');
    const after =
      exportsDone === 0
        ? 'no export finished yet'
        : `after ${count(exportsDone, 'export')}${shuttingDown ? ' (last at shutdown)' : ''}: ` +
          `${count(totals.datumsExported, args.output === 'otlp' ? 'data point' : 'datum')} in ` +
          (emf
            ? count(totals.emfDocuments, 'EMF document')
            : `${count(totals.requests, `${requestName} request`)}, ${totals.failedRequests} failed`);
    return `  ${elapsed.toFixed(1).padStart(5)} s ▕${bar}▏ ${count(served, 'request')} served · ${after}`;
  };
  // getStats() counts an export as soon as it starts, before its datums go out ("1 export · 0 datums"), so the
  // progress lines take the exporter's totals when an export has finished: the reader is given the exporter
  // with its result callback wrapped, nothing else changed.
  const reporting: PushMetricExporter = {
    export: (metrics, resultCallback) =>
      exporter.export(metrics, (result) => {
        resultCallback(result);
        exportsDone++;
        totals = exporter.getStats();
        write(progressLine(), true);
      }),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    selectAggregationTemporality: (type) => exporter.selectAggregationTemporality(type),
    selectAggregation: (type) => exporter.selectAggregation(type),
  };
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'toy-shop' }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter: reporting,
        exportIntervalMillis: args.interval * 1000,
        exportTimeoutMillis: Math.min(30_000, args.interval * 1000),
      }),
    ],
  });
  const service = await startService(provider.getMeter('toy-shop'));
  console.log(
    `▶ Toy shop listening on ${service.url}; 8 clients for ${args.seconds} s, exporting every ${args.interval} s\n` +
      '  (a line per export: seconds since the load started, requests served so far, the exporter’s totals so far)\n',
  );
  endPhase('starting the toy shop');

  loadStart = performance.now();
  const loadStartedAt = Date.now();
  const ticker = tty ? setInterval(() => write(progressLine(), false), 250) : undefined;
  let loadPhase: number;
  let periodicExports: number;
  try {
    await generateLoad(service.url, Date.now() + args.seconds * 1000, 8, () => served++);
    await service.close();
    endPhase('of load');
    loadPhase = phases.length - 1;
    shuttingDown = true;
    periodicExports = exporter.getStats().exports;
    await provider.shutdown(); // the last interval goes out here
    await extractor?.close(); // what CloudWatch Logs would extract, stored
  } finally {
    clearInterval(ticker);
    if (tty) process.stdout.write('\r\x1b[K');
  }
  endPhase('final export at shutdown');
  if (args.output === 'otlp') {
    const ok = otlpReport(local!, exporter, served);
    await local?.stop();
    endPhase('reading back and clean-up');
    console.log(
      `\n  Took ${(tenths(phases[phases.length - 1]!.end) / 10).toFixed(1)} s in all (from the process start): ` +
        `${phases.map((p, i) => `${phaseSecs(i)} ${p.name}`).join(', ')}\n`,
    );
    return ok ? 0 : 1;
  }

  const client = local ? local.client() : new CloudWatchClient({});
  const published = local
    ? publishedDistributions(
        (emf ? local.extractedPuts : local.puts).flatMap((r) => (r.input as { MetricData: MetricDatum[] }).MetricData),
      )
    : undefined;
  console.log('\n▶ Reading back what CloudWatch stored (ListMetrics, then GetMetricStatistics per series)');
  if (!local) console.log('  (CloudWatch can take a minute to show new data: reading back until it is there)');
  const readStart = performance.now();
  const since = () => secs(performance.now() - readStart).padStart(7);
  // ListMetrics is one request, and moto answers it slowly once it holds thousands of values (its check for
  // series already listed compares each stored value with all it has listed so far): a line every 2 s (on a
  // terminal, a counter) shows the wait, until the answer comes.
  let listing = true;
  write(
    `  ${since()}  ListMetrics sent` +
      (local ? ' (the local CloudWatch takes a few seconds to list thousands of stored values)' : ''),
    true,
  );
  const heartbeat = setInterval(
    () => listing && write(`  ${since()}  ListMetrics: waiting for the answer`, !tty),
    tty ? 250 : 2000,
  );
  const onProgress = (p: ReadBackProgress) => {
    listing = false;
    const t = since();
    if (!p.metric)
      write(`  ${t}  ListMetrics: ${count(p.total, 'series', 'series')} in ${count(p.metrics, 'metric')}`, true);
    else
      write(
        `  ${t}  ${p.metric.name}: ${p.metric.read} of ${count(p.metric.total, 'series', 'series')} read` +
          ` (${p.read} of ${p.total} in all)`,
        p.metric.read === p.metric.total,
      );
  };
  let reports: SeriesReport[] = [];
  const attempts = local ? 1 : 12;
  try {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      reports = await readBack(client, namespace, started, published, onProgress);
      if (reports.length > 0 || attempt === attempts) break;
      write(`  nothing stored yet; reading back again in 10 s (attempt ${attempt + 1} of ${attempts})`, true);
      await new Promise((r) => setTimeout(r, 10_000));
      listing = true;
    }
  } finally {
    // Also when reading back fails: a timer left running would keep the process from exiting.
    clearInterval(heartbeat);
  }

  // Requests served per export interval, as CloudWatch counts them (SampleCount of the duration histogram).
  const perInterval = new Map<number, number>();
  const durations = reports.filter((x) => x.metric === 'http.server.request.duration');
  for (const [i, r] of durations.entries()) {
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
      // One bar per export, at the multiple of the interval it was sent nearest to, counted from the load start
      // (the export at shutdown joins the last one).
      const k = Math.round((p.Timestamp!.getTime() - loadStartedAt) / (args.interval * 1000));
      perInterval.set(k, (perInterval.get(k) ?? 0) + (p.SampleCount ?? 0));
    }
    write(
      `  ${since()}  requests per export interval (1 s periods): ` +
        `${i + 1} of ${count(durations.length, 'series', 'series')} read`,
      i + 1 === durations.length,
    );
  }
  endPhase('reading back');
  const intervalBars: Bar[] = [...perInterval.entries()]
    .sort(([a], [b]) => a - b)
    .map(([k, v]) => ({ label: `+${k * args.interval} s`, value: v }));
  const latency = reports.filter((r) => r.metric === 'http.server.request.duration' && r.distribution);
  const latencyBars = logBins(
    latency.flatMap((r) => r.distribution!.values),
    latency.flatMap((r) => r.distribution!.counts),
  );
  const counted = durations.reduce((a, r) => a + r.sampleCount, 0);
  const sum = (bars: Bar[]) => bars.reduce((a, b) => a + b.value, 0).toLocaleString('en-US');

  console.log('\n━━ What CloudWatch stored (read back with ListMetrics + GetMetricStatistics) ━━\n');
  // A terminal narrower than a table gets its dimension columns numbered, with a legend; a log gets full names.
  console.log(tables(reports, tty ? process.stdout.columns : Infinity));
  if (intervalBars.length)
    console.log(
      barChart(
        'Requests per export interval: SampleCount of http.server.request.duration, all series ' +
          `(${sum(intervalBars)} in all; the export at shutdown counts in the last bar)`,
        intervalBars,
        { category: 'sent at (s after the load started)', value: 'requests' },
      ),
      '\n',
    );
  if (latencyBars.length)
    console.log(
      barChart(
        'Latency distribution: published Values/Counts of http.server.request.duration, all series ' +
          `(${sum(latencyBars)} in all)`,
        latencyBars,
        { category: 'latency, ms', value: 'requests' },
      ),
      '\n',
    );

  const s = exporter.getStats();
  const drops = Object.entries(s.dropped).filter(([, n]) => n > 0);
  const summary = [
    `HTTP requests: ${served.toLocaleString('en-US')} served to 8 clients in ${phaseSecs(loadPhase)} of load; ` +
      `CloudWatch counted ${counted.toLocaleString('en-US')} (SampleCount of http.server.request.duration, ` +
      `its ${count(durations.length, 'series', 'series')} added up)`,
    `exports: ${s.exports} (${periodicExports} every ${args.interval} s during the load, ` +
      `${s.exports - periodicExports} at shutdown) → ` +
      (emf
        ? `${count(s.emfDocuments, 'EMF document')} (${kb(s.emfBytes)} of log) carrying ` +
          `${count(s.datumsExported, 'datum')}, no request; read back as `
        : `${count(s.requests, 'PutMetricData request')} (${count(s.retries, 'retry', 'retries')}, ` +
          `${s.failedRequests} failed) carrying ${count(s.datumsExported, 'datum')} that CloudWatch accepted; ` +
          'read back as ') +
      `${count(reports.length, 'series', 'series')} of ${count(new Set(reports.map((r) => r.metric)).size, 'metric')}`,
    emf
      ? `EMF documents the extractor refused (CloudWatch Logs would not extract them): ${extractor!.refused.length}`
      : `request bodies, all ${count(s.requests, 'request')}: ${kb(s.uncompressedBytes)} uncompressed → ` +
        `${kb(s.wireBytes)} on the wire (${s.compressedRequests} of ${s.requests} gzipped)`,
    drops.length
      ? `dropped points: ${drops.map(([reason, n]) => `${n} × ${reason}`).join(', ')} ` +
        '(the hit ratio of a cache never looked up is 0/0 = NaN, once per export; its neighbours went out)'
      : 'dropped points: none',
    ...(local ? [`front-door violations (requests CloudWatch would have refused): ${local.violations.length}`] : []),
  ];
  console.log('━━ The exporter ━━\n');
  for (const line of summary) console.log(`  • ${line}`);
  const card = costCard(s, args.interval, emf);
  console.log('\n━━ Cost card (from what this run measured) ━━\n');
  for (const line of card) console.log(`  • ${line}`);

  mkdirSync(join(args.report, '..'), { recursive: true });
  writeFileSync(
    args.report,
    htmlReport({
      title: `otel-cloudwatch demo — ${started.toISOString()}`,
      summary: [...summary, ...card],
      charts: [
        {
          title:
            'Requests per export interval ' +
            `(SampleCount of http.server.request.duration, ${sum(intervalBars)} in all)`,
          bars: intervalBars,
          valueAxis: 'requests (count)',
          categoryAxis: 'export sent at (s after the load started; the one at shutdown counts in the last bar)',
        },
        {
          title:
            'Latency distribution ' +
            `(published Values/Counts of http.server.request.duration, ${sum(latencyBars)} in all)`,
          bars: latencyBars,
          valueAxis: 'requests (count)',
          categoryAxis: 'latency (ms, log-spaced bins)',
        },
      ],
      reports,
    }),
  );
  console.log(`\n  Report with charts: ${args.report}`);

  client.destroy();
  await local?.stop();
  endPhase('report and clean-up');
  console.log(
    `  Took ${(tenths(phases[phases.length - 1]!.end) / 10).toFixed(1)} s in all (from the process start): ` +
      `${phases.map((p, i) => `${phaseSecs(i)} ${p.name}`).join(', ')}\n`,
  );
  const landed = reports.some((r) => r.metric === 'http.server.request.duration' && r.sampleCount > 0);
  const refused = extractor?.refused.length ?? 0;
  return landed && (local?.violations.length ?? 0) === 0 && s.failedRequests === 0 && refused === 0 ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  async (err: unknown) => {
    console.error(`\ndemo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
    await local?.stop();
  },
);

/**
 * What the local OTLP endpoint stored, read back point by point: per metric, its series and the latest cumulative
 * value (or count and sum); then the requests served against the count CloudWatch holds, and the exporter's totals.
 * True when every request served was counted and nothing was refused or failed.
 */
function otlpReport(cw: LocalCloudWatch, exporter: CloudWatchMetricExporter, served: number): boolean {
  const points = cw.otlpPoints();
  // The latest point of each series (metric and attributes): cumulative, it holds the total since the start.
  const latest = new Map<string, OtlpPoint>();
  for (const p of points) latest.set(`${p.metric} ${JSON.stringify(p.attributes)}`, p);
  const rows: Array<Array<string | number>> = [['metric', 'type', 'series', 'points stored', 'total (latest)']];
  for (const metric of [...new Set(points.map((p) => p.metric))].sort()) {
    const last = [...latest.values()].filter((p) => p.metric === metric);
    const total = last.reduce((n, p) => n + (p.count ?? p.value ?? 0), 0);
    const kind = last[0]!.type === 'gauge' ? 'gauge' : `${last[0]!.type}, ${last[0]!.temporality ?? ''}`;
    rows.push([
      metric,
      kind,
      last.length,
      points.filter((p) => p.metric === metric).length,
      last[0]!.type === 'gauge'
        ? '—'
        : `${total.toLocaleString('en-US')}${last[0]!.count !== undefined ? ' (count)' : ''}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  console.log("\n━━ What CloudWatch's OTLP endpoint stored (the local stand-in, read back point by point) ━━\n");
  for (const r of rows) console.log(`  ${r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ')}`);
  const counted = [...latest.values()]
    .filter((p) => p.metric === 'http.server.request.duration')
    .reduce((n, p) => n + (p.count ?? 0), 0);
  const s = exporter.getStats();
  const lines = [
    `HTTP requests: ${served.toLocaleString('en-US')} served; CloudWatch holds ${counted.toLocaleString('en-US')} ` +
      '(the count of the latest http.server.request.duration point of each series, added up)',
    `exports: ${s.exports} → ${count(s.requests, 'OTLP request')} (${count(s.retries, 'retry', 'retries')}, ` +
      `${s.failedRequests} failed) carrying ${count(s.datumsExported, 'data point')}; ` +
      `${kb(s.uncompressedBytes)} of protobuf → ${kb(s.wireBytes)} on the wire (${s.compressedRequests} gzipped)`,
    `PutMetricData requests: ${cw.puts.length}; front-door violations: ${cw.violations.length}`,
  ];
  console.log('\n━━ The exporter ━━\n');
  for (const line of lines) console.log(`  • ${line}`);
  return counted === served && cw.violations.length === 0 && s.failedRequests === 0 && cw.puts.length === 0;
}

/**
 * What this workload would cost to run, from what the run measured: the series it published (each a custom metric
 * CloudWatch bills per month) and the requests per hour at this interval and at ten times longer and shorter ones.
 */
function costCard(
  s: ReturnType<CloudWatchMetricExporter['getStats']>,
  intervalSeconds: number,
  emf: boolean,
): string[] {
  if (emf) {
    const perExport = s.exports > 0 ? s.emfBytes / s.exports : 0;
    const perHour = (interval: number) => kb((perExport * 3600) / interval);
    return [
      `series published by the last export: ${s.seriesLastExport}, ${s.seriesSinceStart} distinct since start ` +
        '(estimated; each a custom metric, billed per month, as with requests)',
      `EMF: ${kb(perExport)} of log per export, no request; at this ${intervalSeconds} s interval ` +
        `${perHour(intervalSeconds)} per hour per process (log ingestion is billed per GB)`,
      `a 10× longer interval (${intervalSeconds * 10} s): ${perHour(intervalSeconds * 10)} per hour, coarser data`,
    ];
  }
  const perExport = s.exports > 0 ? s.requests / s.exports : 0;
  const perHour = (interval: number) => Math.round((perExport * 3600) / interval).toLocaleString('en-US');
  const datumsPerRequest = s.requests > 0 ? (s.datumsExported / s.requests).toFixed(0) : '0';
  return [
    `series published by the last export: ${s.seriesLastExport}, ${s.seriesSinceStart} distinct since start ` +
      '(estimated; each a custom metric, billed per month; metricRules with dimensionSets or drop cut them, see the ' +
      'cost guidance)',
    `requests: ${perExport.toFixed(1)} per export, ${datumsPerRequest} datums each; at this ${intervalSeconds} s interval ` +
      `${perHour(intervalSeconds)} per hour per process`,
    `a 10× longer interval (${intervalSeconds * 10} s): ${perHour(intervalSeconds * 10)} requests per hour, ` +
      `coarser data; a 10× shorter one (${intervalSeconds / 10} s): ${perHour(intervalSeconds / 10)} per hour ` +
      '(request counts scale with the interval; series do not)',
  ];
}
