import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { rng } from '../helpers';

/** Random datums covering every member, odd numbers and non-ASCII names. */
export function randomDatums(n: number, seed: number): MetricDatum[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const numbers = [0, -0, 1, -1.5, 1e-7, 123456789.123, 2 ** 360, -(2 ** 360), 5e-324, 1e21, 0.1 + 0.2];
  const out: MetricDatum[] = [];
  for (let i = 0; i < n; i++) {
    const d = {} as MetricDatum;
    // Members are added in a scrambled order: the SDK writes them in model order whatever the input order.
    const members = ['Unit', 'Value', 'Dimensions', 'MetricName', 'Timestamp', 'StorageResolution'].sort(
      () => r() - 0.5,
    );
    const histogram = r() < 0.4;
    for (const m of members) {
      if (m === 'MetricName')
        d.MetricName = pick(['latency', 'naïve "quoted" \\ name', '用户', 'a\u2028b', 'x'.repeat(255)]);
      if (m === 'Dimensions' && r() < 0.8) {
        d.Dimensions = Array.from({ length: Math.floor(r() * 5) }, (_, k) => ({
          Name: `k${k}`,
          Value: pick(['v', '/a/b?c=d', 'x y', '\\u7528']),
        }));
      }
      if (m === 'Timestamp' && r() < 0.9) d.Timestamp = new Date(1795424209000 + Math.floor(r() * 1e6));
      if (m === 'Value' && !histogram) d.Value = pick(numbers);
      if (m === 'Unit' && r() < 0.7) d.Unit = pick(['Count', 'Bytes/Second', 'None']);
      if (m === 'StorageResolution' && r() < 0.3) d.StorageResolution = 1;
    }
    if (histogram) {
      const k = 1 + Math.floor(r() * 150);
      d.Counts = Array.from({ length: k }, () => 1 + Math.floor(r() * 1000));
      d.StatisticValues = { Maximum: pick(numbers), SampleCount: 3, Minimum: pick(numbers), Sum: pick(numbers) };
      // An incomplete set (CloudWatch refuses it, but serializing it must still match).
      if (r() < 0.1) delete d.StatisticValues.Minimum;
      d.Values = Array.from({ length: k }, () => pick(numbers) * r());
    }
    out.push(d);
  }
  return out;
}
