/*
 * The EMF delivery against streams that misbehave, without moto: what it counts, how it ends, and that it never
 * takes the process down or waits past the deadline.
 */
import { emptyResource } from '@opentelemetry/resources';
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { EmfDelivery } from '../../src/emf/EmfDelivery';
import type { EmfStream } from '../../src/emf/EmfStream';
import { emfInUse, noteEmfExporter } from '../../src/emf/emfInUse';
import { DropReporter } from '../../src/stats/DropReporter';
import { TranslatedDatum } from '../../src/translate/TranslatedDatum';
import { captureDiag } from '../helpers';

const T = new Date();
const datums = (n: number, name = 'm') =>
  Array.from(
    { length: n },
    (_, i) => new TranslatedDatum(name, JSON.stringify([{ Name: 'k', Value: `v${i}` }]), T, 'Count', undefined, i),
  );

async function deliver(stream: EmfStream, items: TranslatedDatum[], deadlineMs = 2000) {
  const delivery = new EmfDelivery('Test', stream, new DropReporter());
  const run = delivery.begin({
    deadline: Date.now() + deadlineMs,
    createdAt: Date.now(),
    entity: undefined,
    resource: emptyResource(),
  });
  for (const d of items) run.add(d);
  const started = Date.now();
  const result = await run.finish();
  return { result, delivery, stats: delivery.stats(), ms: Date.now() - started };
}

describe('EmfDelivery', () => {
  const warnings = captureDiag();

  it('counts what the stream took, once its write called back', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) });
    const { result, stats } = await deliver(stream, datums(3000));
    expect(result.problem).to.equal(undefined);
    expect(stats.counters.datumsExported).to.equal(3000);
    expect(stats.counters.emfDocuments).to.equal(3000);
    expect(lines.join('').split('\n').filter(Boolean)).to.have.length(3000);
    expect(stats.counters.emfBytes).to.equal(Buffer.byteLength(lines.join('')));
  });

  it('a stream that throws: FAILED at once, nothing counted exported, the datums counted fatal', async () => {
    const { result, stats, ms } = await deliver(
      {
        write: () => {
          throw new Error('EBADF');
        },
      },
      datums(10),
    );
    expect(result.problem?.message).to.match(/writing EMF failed: .*EBADF.*10 datums not written/);
    expect(stats.counters.datumsExported).to.equal(0);
    expect(stats.discarded.fatal).to.equal(10);
    expect(ms).to.be.below(1000);
  });

  it('a Writable that errs (a full disk): FAILED, no crash of the process, the datums counted fatal', async () => {
    const stream = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' })) });
    const { result, stats } = await deliver(stream, datums(5000));
    // Let the stream's 'error' event go by: with nobody listening, it would have ended the process.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(result.problem?.message).to.match(/ENOSPC/);
    expect(stats.counters.datumsExported).to.equal(0);
    expect(stats.discarded.fatal).to.equal(5000);
    expect(stream.listenerCount('error'), 'its listener is gone once the run is over').to.equal(0);
  });

  it('a destroyed stream: FAILED at once, not at the deadline', async () => {
    const stream = new Writable({ write: (_c, _e, cb) => cb() });
    stream.destroy();
    const { result, ms } = await deliver(stream, datums(3000), 5000);
    expect(result.problem?.message).to.match(/writing EMF failed/);
    expect(ms).to.be.below(2500);
  });

  it('a stream that stays full: FAILED at the deadline, the rest not written (overflow), no listener left', async () => {
    // Takes the first chunk into its buffer and never writes it out.
    const stream = new Writable({ highWaterMark: 1024, write: () => {} });
    const { result, stats } = await deliver(stream, datums(3000), 300);
    expect(result.problem?.message).to.match(/stayed full/);
    expect(stats.discarded.overflow).to.be.greaterThan(0);
    expect(stats.counters.datumsExported + stats.discarded.overflow).to.be.below(3000 + 1);
    expect(stream.listenerCount('drain')).to.equal(0);
    expect(warnings.join('\n')).to.match(/stayed full until the export's deadline/);
    // The next export finds it still full: it writes nothing more into it.
    const before = stream.writableLength;
    const next = await deliver(stream, datums(100), 200);
    expect(next.result.problem?.message).to.match(/stayed full/);
    expect(stream.writableLength).to.equal(before);
    expect(stream.listenerCount('drain')).to.equal(0);
  });

  it('a stream that never calls back: FAILED at the deadline, and what it later takes is counted then', async () => {
    let later: (() => void) | undefined;
    const stream: EmfStream = {
      write: (_chunk, cb) => {
        later = () => cb?.(null);
        return true;
      },
    };
    const { result, delivery } = await deliver(stream, datums(10), 200);
    expect(result.problem?.message).to.match(/had not written 10 datums by the deadline/);
    expect(delivery.stats().counters.datumsExported).to.equal(0);
    later!();
    expect(delivery.stats().counters.datumsExported).to.equal(10);
  });

  it('the process writes EMF while an EMF exporter is open, and no longer once it is shut down', () => {
    const before = emfInUse();
    noteEmfExporter();
    const delivery = new EmfDelivery('Test', { write: () => true }, new DropReporter());
    expect(emfInUse()).to.equal(true);
    delivery.close();
    delivery.close();
    expect(emfInUse()).to.equal(before);
  });
});
