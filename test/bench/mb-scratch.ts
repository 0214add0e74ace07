import { serializeDatum } from '../../packages/exporter-metrics-cloudwatch/build/src/pack/serializeDatum';
import { counterDatums } from './workloads';
const ds = counterDatums(1000);
function viaJson(d: any): string {
  const st = d.StatisticValues;
  return JSON.stringify({
    MetricName: d.MetricName,
    Dimensions: d.Dimensions,
    Timestamp: d.Timestamp === undefined ? undefined : d.Timestamp.getTime() / 1000,
    Value: d.Value,
    StatisticValues:
      st === undefined
        ? undefined
        : { SampleCount: st.SampleCount, Sum: st.Sum, Minimum: st.Minimum, Maximum: st.Maximum },
    Values: d.Values,
    Counts: d.Counts,
    Unit: d.Unit,
    StorageResolution: d.StorageResolution,
  });
}
for (const [name, f] of [
  ['template', serializeDatum],
  ['json', viaJson],
  ['template', serializeDatum],
  ['json', viaJson],
] as const) {
  let n = 0;
  const t = performance.now();
  for (let r = 0; r < 300; r++) {
    const parts = ds.map(f as any);
    n += ('{"x":[' + parts.join(',') + ']}').length;
  }
  console.log(name, (((performance.now() - t) / 300 / 1000) * 1000).toFixed(2), 'µs/datum', n);
}
console.log(serializeDatum(ds[5]!) === viaJson(ds[5]!));
let t = performance.now();
for (let r = 0; r < 300; r++) JSON.stringify({ Namespace: 'x', MetricData: ds });
console.log('whole stringify', ((performance.now() - t) / 300).toFixed(2), 'µs/datum');
