import type { SeriesReport } from './readBack';

export interface Bar {
  label: string;
  value: number;
}

const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return '–';
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const abs = Math.abs(x);
  return abs >= 1000 ? Math.round(x).toLocaleString('en-US') : abs >= 10 ? x.toFixed(1) : x.toPrecision(3);
};

const dimsText = (r: SeriesReport, common: Set<string>) =>
  r.dimensions
    .filter((d) => !common.has(`${d.Name}=${d.Value}`))
    .map((d) => `${(d.Name ?? '').replace(/^http\.(request\.|response\.)?/, '')}=${d.Value}`)
    .join(' ') || '(no other dimensions)';

/** Dimensions every series shares, shown once instead of on every row. */
export function commonDimensions(reports: SeriesReport[]): Set<string> {
  if (reports.length === 0) return new Set();
  const sets = reports.map((r) => new Set(r.dimensions.map((d) => `${d.Name}=${d.Value}`)));
  return new Set([...sets[0]!].filter((x) => sets.every((s) => s.has(x))));
}

/** One table per metric: dimensions, unit, SampleCount, Sum, Min, Max and percentiles. */
export function tables(reports: SeriesReport[]): string {
  const common = commonDimensions(reports);
  const lines: string[] = [];
  if (common.size) lines.push(`  every series has: ${[...common].join(', ')}`, '');
  const byMetric = new Map<string, SeriesReport[]>();
  for (const r of reports) byMetric.set(r.metric, [...(byMetric.get(r.metric) ?? []), r]);
  for (const [metric, rows] of byMetric) {
    const withP = rows.some((r) => r.percentiles);
    lines.push(`  ${metric}  (${rows[0]!.unit})`);
    const header = ['dimensions', 'count', 'sum', 'min', 'max', ...(withP ? ['p50', 'p90', 'p99'] : [])];
    const body = rows.map((r) => [
      dimsText(r, common),
      fmt(r.sampleCount),
      fmt(r.sum),
      fmt(r.min),
      fmt(r.max),
      ...(withP
        ? [r.percentiles?.p50, r.percentiles?.p90, r.percentiles?.p99].map((p) => (p === undefined ? '' : fmt(p)))
        : []),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const line = (cells: string[]) =>
      '    ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    lines.push(line(header), ...body.map(line), '');
  }
  return lines.join('\n');
}

/** A horizontal bar chart for the terminal. */
export function barChart(title: string, bars: Bar[], width = 40): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const labelWidth = Math.max(...bars.map((b) => b.label.length));
  const lines = [`  ${title}`];
  for (const b of bars) {
    const n = (b.value / max) * width;
    const bar = '█'.repeat(Math.floor(n)) + (n % 1 >= 0.5 ? '▌' : '');
    lines.push(`    ${b.label.padStart(labelWidth)} │${bar} ${fmt(b.value)}`);
  }
  return lines.join('\n');
}

/** Log-spaced bins over a weighted distribution: how a latency histogram reads best. */
export function logBins(values: number[], counts: number[], bins = 12): Bar[] {
  const positive = values.map((v, i) => [v, counts[i]!] as const).filter(([v]) => v > 0);
  if (positive.length === 0) return [];
  const lo = Math.min(...positive.map(([v]) => v));
  const hi = Math.max(...positive.map(([v]) => v));
  const step = (Math.log(hi) - Math.log(lo)) / bins || 1;
  const out = Array.from({ length: bins }, (_, i) => ({
    label: `${fmt(Math.exp(Math.log(lo) + i * step))}–${fmt(Math.exp(Math.log(lo) + (i + 1) * step))}`,
    value: 0,
  }));
  for (const [v, c] of positive) out[Math.min(bins - 1, Math.floor((Math.log(v) - Math.log(lo)) / step))]!.value += c;
  return out;
}

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function svgBars(title: string, bars: Bar[]): string {
  const w = 720;
  const rowH = 22;
  const labelW = 170;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rows = bars
    .map((b, i) => {
      const len = ((w - labelW - 80) * b.value) / max;
      const y = 30 + i * rowH;
      return (
        `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${escape(b.label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${len.toFixed(1)}" height="${rowH - 6}" fill="#3b7dd8"/>` +
        `<text x="${labelW + len + 6}" y="${y + 15}">${escape(fmt(b.value))}</text>`
      );
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${40 + bars.length * rowH}" ` +
    `font-family="sans-serif" font-size="12"><text x="0" y="16" font-weight="bold">${escape(title)}</text>${rows}</svg>`
  );
}

/** A self-contained HTML report: the charts as SVG, then every table. */
export function htmlReport(opts: {
  title: string;
  summary: string[];
  charts: Array<{ title: string; bars: Bar[] }>;
  reports: SeriesReport[];
}): string {
  const common = commonDimensions(opts.reports);
  const rows = opts.reports
    .map(
      (r) =>
        `<tr><td>${escape(r.metric)}</td><td>${escape(dimsText(r, common))}</td><td>${escape(r.unit)}</td>` +
        [r.sampleCount, r.sum, r.min, r.max, r.percentiles?.p50, r.percentiles?.p90, r.percentiles?.p99]
          .map((x) => `<td class="n">${x === undefined ? '' : escape(fmt(x))}</td>`)
          .join('') +
        '</tr>',
    )
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(opts.title)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd}td.n{text-align:right;font-variant-numeric:tabular-nums}</style>
</head><body>
<h1>${escape(opts.title)}</h1>
<ul>${opts.summary.map((s) => `<li>${escape(s)}</li>`).join('')}</ul>
${opts.charts.map((c) => svgBars(c.title, c.bars)).join('\n')}
<h2>What CloudWatch stored</h2>
<p>Every series has: ${escape([...common].join(', ') || '–')}</p>
<table><tr><th>metric</th><th>dimensions</th><th>unit</th><th>count</th><th>sum</th><th>min</th><th>max</th><th>p50</th><th>p90</th><th>p99</th></tr>
${rows}
</table>
</body></html>
`;
}
