#!/usr/bin/env node
/*
 * Runs the local CloudWatch until Ctrl-C and prints the environment that points the AWS SDK (and so every
 * example) at it:  npm run local-cloudwatch
 */
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloudWatch } from './LocalCloudWatch';

async function main(): Promise<void> {
  const cw = await LocalCloudWatch.start();
  console.log(`Local CloudWatch (moto behind the strict front door) on ${cw.endpoint}\n`);
  console.log('Point the AWS SDK at it from another shell:\n');
  console.log(`  export AWS_ENDPOINT_URL_CLOUDWATCH=${cw.endpoint}`);
  console.log(`  export AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId}`);
  console.log(`  export AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`);
  console.log(`  export AWS_REGION=${LOCAL_REGION}\n`);
  console.log("Every request is checked against CloudWatch's rules; refusals are printed here. Ctrl-C stops it.");
  let seen = 0;
  const report = setInterval(() => {
    for (const r of cw.requests.slice(seen)) {
      const what = r.violation ? `REFUSED ${r.violation.code}: ${r.violation.message}` : `${r.status}`;
      console.log(`  ${r.operation} ${r.decodedBytes} bytes${r.gzip ? ` (${r.wireBytes} gzipped)` : ''} → ${what}`);
    }
    seen = cw.requests.length;
  }, 500);
  const stop = async () => {
    clearInterval(report);
    await cw.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
