import { LocalCloudWatch, type LocalCloudWatchOptions } from './LocalCloudWatch';
import { MotoUnavailableError } from './MotoServer';

/**
 * Mocha hooks for a suite that needs the local CloudWatch: started before the suite, stopped after it.
 * When moto_server is missing the suite fails under CI=true and is skipped with a printed reason elsewhere.
 * Returns a getter, since the instance exists only once the `before` hook ran.
 */
export function useLocalCloudWatch(options: LocalCloudWatchOptions = {}): () => LocalCloudWatch {
  let cw: LocalCloudWatch | undefined;
  before(async function () {
    // Time for a first run to provision moto (see provisionMoto), not only to start it.
    this.timeout(300_000);
    try {
      cw = await LocalCloudWatch.start(options);
    } catch (err) {
      if (err instanceof MotoUnavailableError && process.env['CI'] !== 'true') {
        console.log(`\n  SKIPPED (${this.test?.parent?.fullTitle() ?? 'suite'}): ${err.message}\n`);
        this.skip();
      }
      throw err;
    }
  });
  after(async function () {
    this.timeout(20_000);
    await cw?.stop();
    cw = undefined;
  });
  return () => {
    if (!cw) throw new Error('The local CloudWatch is not running (used outside its suite?)');
    return cw;
  };
}
