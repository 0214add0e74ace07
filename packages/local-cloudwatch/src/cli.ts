#!/usr/bin/env node
/*
 * Runs the local CloudWatch until Ctrl-C and prints the environment that points the AWS SDK (and so every
 * example) at it, or reads back what a running one stores:  npm run local-cloudwatch -- --help
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { OTLP_STORED_PATH } from './FrontDoor';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloudWatch } from './LocalCloudWatch';
import { formatRead, readLocalCloudWatch, type ReadOptions } from './readCommand';

export const USAGE = `Usage (from the repository root, arguments after --):
  npm run local-cloudwatch -- [--port N]
  npm run local-cloudwatch -- read [--endpoint URL] [--namespace NS] [--metric NAME] [--minutes N] [--json]

Without a command: runs moto_server behind a strict front door until Ctrl-C, on 127.0.0.1 only,
and prints the four environment variables that point an AWS SDK at it.
  --port N          listen on port N (default: a free port); a port in use fails with exit code 1

read: connects to a running local CloudWatch and prints each series it stores (namespace, metric,
dimensions, unit) with count, sum, min, max and p50/p90/p99.
  --endpoint URL    the local CloudWatch (default: $AWS_ENDPOINT_URL_CLOUDWATCH)
  --namespace NS    only this namespace
  --metric NAME     only this metric name
  --minutes N       only datums timestamped in the last N minutes (default: all stored)
  --json            one JSON object per series and line, null where a number cannot be computed

  --help            this text

Caveats:
  - Memory only: what it stores lives while the process runs; Ctrl-C forgets it.
  - The numbers are computed by this tool from the datums the front door accepted and moto stored:
    moto computes no percentiles, returns values only aggregated, and merges a metric's series when
    asked without dimensions. Percentiles are nearest-rank over the stored Values/Counts (and Value);
    CloudWatch's own are estimates and may differ slightly. "—" where one cannot be computed (a series
    sent as StatisticValues without Values). Notes on stderr say where moto's store disagrees.
  - The front door refuses what CloudWatch refuses (bad signature, limits, units, timestamps, ...);
    refusals are printed by the running instance. It checks and records PutMetricData sent as AWS JSON
    1.0 (the JavaScript v3 SDK, boto3); a query-protocol one passes to moto unchecked.

Exit codes: 0 done, 1 failed (port in use, moto missing, endpoint unreachable), 2 bad arguments.`;

export class UsageError extends Error {}

export type Command =
  | { command: 'help' }
  | { command: 'serve'; port: number | undefined }
  | { command: 'read'; options: ReadOptions; json: boolean };

/** Parses the arguments (after `node cli.js`); `env` supplies AWS_ENDPOINT_URL_CLOUDWATCH. Throws UsageError. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Command {
  const [first, ...rest] = argv;
  const isRead = first === 'read';
  if (first !== undefined && !first.startsWith('-') && !isRead) {
    throw new UsageError(`unknown command '${first}'`);
  }
  const args = isRead ? rest : [...argv];
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: isRead
        ? {
            endpoint: { type: 'string' },
            namespace: { type: 'string' },
            metric: { type: 'string' },
            minutes: { type: 'string' },
            json: { type: 'boolean' },
            help: { type: 'boolean', short: 'h' },
          }
        : { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!.replace(/\. To specify .*$/, ''));
  }
  if (values['help']) return { command: 'help' };
  if (!isRead) {
    const port = values['port'] as string | undefined;
    if (port === undefined) return { command: 'serve', port: undefined };
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      throw new UsageError(`--port must be a port number from 1 to 65535, not '${port}'`);
    }
    return { command: 'serve', port: Number(port) };
  }
  const endpoint = (values['endpoint'] as string | undefined) ?? env['AWS_ENDPOINT_URL_CLOUDWATCH'];
  if (!endpoint) throw new UsageError('read needs --endpoint URL, or AWS_ENDPOINT_URL_CLOUDWATCH set');
  try {
    if (!/^https?:$/.test(new URL(endpoint).protocol)) throw new Error();
  } catch {
    throw new UsageError(`--endpoint must be an http URL such as http://127.0.0.1:4566, not '${endpoint}'`);
  }
  const minutesText = values['minutes'] as string | undefined;
  const minutes = minutesText === undefined ? undefined : Number(minutesText);
  if (minutes !== undefined && !(minutes > 0 && Number.isFinite(minutes))) {
    throw new UsageError(`--minutes must be a positive number, not '${minutesText}'`);
  }
  const options: ReadOptions = { endpoint };
  if (values['namespace'] !== undefined) options.namespace = values['namespace'] as string;
  if (values['metric'] !== undefined) options.metricName = values['metric'] as string;
  if (minutes !== undefined) options.minutes = minutes;
  return { command: 'read', options, json: values['json'] === true };
}

/** Fails with one sentence when `port` cannot be listened on at 127.0.0.1 (checked before moto starts). */
async function checkPort(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(portError(port, err)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

function portError(port: number, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new Error(
      `Port ${port} on 127.0.0.1 is already in use: choose another --port, or omit --port for a free one.`,
    );
  }
  if (code === 'EACCES') return new Error(`Port ${port} on 127.0.0.1 needs privileges: choose a port above 1023.`);
  return err instanceof Error ? err : new Error(String(err));
}

async function serve(port: number | undefined): Promise<void> {
  if (port !== undefined) await checkPort(port);
  let cw: LocalCloudWatch;
  try {
    cw = await LocalCloudWatch.start(port === undefined ? {} : { port });
  } catch (err) {
    throw port === undefined ? err : portError(port, err);
  }
  console.log(`Local CloudWatch (moto behind the strict front door) on ${cw.endpoint}\n`);
  console.log('Point the AWS SDK at it from another shell:\n');
  console.log(`  export AWS_ENDPOINT_URL_CLOUDWATCH=${cw.endpoint}`);
  console.log(`  export AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId}`);
  console.log(`  export AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`);
  console.log(`  export AWS_REGION=${LOCAL_REGION}\n`);
  console.log(`Read back what it stores:  npm run local-cloudwatch -- read --endpoint ${cw.endpoint}`);
  console.log(`OTLP metrics endpoint:     ${cw.otlpEndpoint} (points stored: GET ${cw.endpoint}${OTLP_STORED_PATH})\n`);
  console.log("Every request is checked against CloudWatch's rules; refusals are printed here. Ctrl-C stops it.");
  let seen = 0;
  const report = setInterval(() => {
    // A request is recorded when it arrives and answered later: print each once it has its answer, in order.
    while (seen < cw.requests.length) {
      const r = cw.requests[seen]!;
      if (r.status === 0 && !r.violation && Date.now() - r.receivedAt < 10_000) break;
      const answer = r.status === 0 ? 'no answer' : `${r.status}`;
      const what = r.violation ? `REFUSED ${r.violation.code}: ${r.violation.message}` : answer;
      const protocol = r.protocol === 'cbor' ? ' (CBOR)' : '';
      const size = `${r.decodedBytes} bytes${r.gzip ? ` (${r.wireBytes} gzipped)` : ''}`;
      console.log(`  ${r.operation}${protocol} ${size} → ${what}`);
      seen++;
    }
  }, 500);
  const stop = async () => {
    clearInterval(report);
    await cw.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function read(options: ReadOptions, json: boolean): Promise<void> {
  // The AWS SDK's notice that its 2027 releases need Node 22 is about the SDK, not about what is read: without
  // this it would be most of the output of every read on Node 20.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const result = await readLocalCloudWatch(options);
  process.stdout.write(formatRead(result, json));
  for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
}

export async function main(argv: readonly string[]): Promise<void> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`local-cloudwatch: ${err.message} (see --help)`);
    process.exitCode = 2;
    return;
  }
  if (command.command === 'help') console.log(USAGE);
  else if (command.command === 'serve') await serve(command.port);
  else await read(command.options, command.json);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
