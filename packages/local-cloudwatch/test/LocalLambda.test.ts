import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalLambda } from '../src';

const handler = `${join(__dirname, 'fixtures', 'lambdaFunction.mjs')}#handler`;
/** The process state letter from /proc (T: stopped), or undefined off Linux. */
function state(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0];
  } catch {
    return undefined;
  }
}

/** The state once the signal sent has taken effect (the kernel stops a process soon, not at once). */
async function settledState(pid: number): Promise<string | undefined> {
  for (let i = 0; i < 100 && state(pid) !== 'T'; i++) await new Promise((r) => setTimeout(r, 10));
  return state(pid);
}

describe('LocalLambda (the Runtime and Extensions APIs on loopback)', function () {
  this.timeout(30_000);
  const running: LocalLambda[] = [];
  const start = async (env: NodeJS.ProcessEnv, name = 'handler', timeoutMillis?: number) => {
    const l = await LocalLambda.start({ handler: handler.replace('#handler', `#${name}`), env, timeoutMillis });
    running.push(l);
    return l;
  };
  afterEach(async () => {
    for (const l of running.splice(0)) await l.stop();
  });

  it('runs invocations, freezing the process between them', async function () {
    const lambda = await start({ MODE: 'plain' });
    if (state(lambda.pid!) === undefined) this.skip();
    expect(await settledState(lambda.pid!), 'frozen after Init').to.equal('T');
    const inv = await lambda.invoke({ echo: 'a' });
    expect(inv.result).to.deep.equal({ echo: 'a' });
    expect(inv.respondedAt).to.be.at.least(inv.startedAt);
    expect(await settledState(lambda.pid!), 'frozen after the invocation').to.equal('T');
    expect((await lambda.invoke({ echo: 'b' })).result).to.deep.equal({ echo: 'b' });
  });

  it('ends Init only once a registered extension has called Next, and sends it SIGTERM at the end', async () => {
    const lambda = await start({ MODE: 'extension' });
    expect(lambda.extensions.map((e) => e.ready)).to.deep.equal([true]);
    expect((await lambda.invoke({})).result).to.deep.equal({ initStatus: 200 });
    const ended = await lambda.shutdown();
    expect(ended).to.include({ firstSignal: 'SIGTERM', killed: false });
  });

  it('refuses registrations after Init, and for SHUTDOWN from the runtime’s process', async () => {
    const late = await start({ MODE: 'plain' });
    expect((await late.invoke({ registerNow: true })).result).to.deep.equal({ status: 403 });
    const shutdown = await start({ MODE: 'shutdown-event' });
    expect((await shutdown.invoke({})).result).to.deep.equal({ initStatus: 400 });
    expect(shutdown.extensions).to.have.length(0);
    expect(await shutdown.shutdown(), 'no extension: no SIGTERM').to.include({ firstSignal: 'SIGKILL' });
  });

  it('kills a process that outlives the 500 ms after SIGTERM', async () => {
    const lambda = await start({ MODE: 'stubborn' });
    const ended = await lambda.shutdown();
    expect(ended).to.include({ firstSignal: 'SIGTERM', killed: true });
    expect(ended.exitMillis).to.be.at.least(500);
  });

  it('ends an invocation that outlives the timeout, and the environment with it', async () => {
    const lambda = await start({ MODE: 'plain' }, 'slow', 500);
    const inv = await lambda.invoke({ sleepMs: 5000 });
    expect(inv.error).to.deep.include({ errorType: 'Sandbox.Timedout' });
    let thrown: unknown;
    await lambda.invoke({}).catch((e: unknown) => (thrown = e));
    expect(String(thrown)).to.match(/environment is gone/);
  });

  it('reports a runtime that dies mid-invocation (an uncaught exception)', async () => {
    const lambda = await start({ MODE: 'plain' }, 'slow');
    expect((await lambda.invoke({ crash: true, sleepMs: 2000 })).error).to.deep.include({
      errorType: 'Runtime.ExitError',
    });
  });

  it('posts a callback’s answer once the event loop is empty, as Lambda’s Node.js 22 runtime does', async () => {
    const lambda = await start({ MODE: 'plain' }, 'lingering');
    const inv = await lambda.invoke({ lingerMs: 300 });
    expect(inv.result).to.equal('done');
    expect(inv.durationMillis).to.be.at.least(290);
  });
});
