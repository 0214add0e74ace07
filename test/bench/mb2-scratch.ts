import { counterDatums } from './workloads';
const ds = counterDatums(1000);
const plain = ds.map((d) => ({
  MetricName: d.MetricName,
  Dimensions: d.Dimensions!.map((x) => ({ Name: x.Name, Value: x.Value })),
  Timestamp: d.Timestamp!.getTime() / 1000,
  Value: d.Value,
  Unit: d.Unit,
}));
for (let k = 0; k < 3; k++) {
  let t = performance.now();
  for (let r = 0; r < 300; r++) for (const p of plain) JSON.stringify(p);
  console.log('per-object stringify', ((performance.now() - t) / 300).toFixed(2), 'µs/datum');
  t = performance.now();
  for (let r = 0; r < 300; r++) JSON.stringify(plain);
  console.log('array stringify', ((performance.now() - t) / 300).toFixed(2), 'µs/datum');
  t = performance.now();
  for (let r = 0; r < 300; r++) JSON.stringify(ds);
  console.log('array stringify with Dates', ((performance.now() - t) / 300).toFixed(2), 'µs/datum');
}
console.log(JSON.stringify(plain[3]).length);
