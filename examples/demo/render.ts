import type { Dimension } from '@aws-sdk/client-cloudwatch';
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

/** `name=value` as CloudWatch stores the pair: the key that finds shared pairs, and how the HTML report shows them. */
const pair = (d: Dimension) => `${d.Name}=${d.Value}`;

/** Dimensions every series shares, shown once instead of on every row. */
export function commonDimensions(reports: SeriesReport[]): Set<string> {
  if (reports.length === 0) return new Set();
  const sets = reports.map((r) => new Set(r.dimensions.map(pair)));
  return new Set([...sets[0]!].filter((x) => sets.every((s) => s.has(x))));
}

/** The dimensions of a series other than the shared ones, exactly as stored. */
const ownDimensions = (r: SeriesReport, common: Set<string>) => r.dimensions.filter((d) => !common.has(pair(d)));

/**
 * One table per metric, its unit in the heading: a column per dimension, headed by its name as stored (never
 * shortened: it is what a query or an alarm must name), then SampleCount, Sum, Min, Max and percentiles. A table
 * wider than `maxWidth` heads its dimension columns d1, d2, … instead, with a legend naming each in full above it.
 */
export function tables(reports: SeriesReport[], maxWidth = Infinity): string {
  const common = commonDimensions(reports);
  const lines: string[] = [];
  if (common.size) lines.push(`  every series also has ${[...common].join(', ')} (not repeated below)`, '');
  const byMetric = new Map<string, SeriesReport[]>();
  for (const r of reports) byMetric.set(r.metric, [...(byMetric.get(r.metric) ?? []), r]);
  for (const [metric, rows] of byMetric) {
    const withP = rows.some((r) => r.percentiles);
    // Names in the order CloudWatch returned them, each once, whichever rows have it.
    const names = [...new Set(rows.flatMap((r) => ownDimensions(r, common).map((d) => d.Name ?? '')))];
    const absent = rows.some((r) => names.some((n) => !r.dimensions.some((d) => d.Name === n)));
    const dimCells = (r: SeriesReport) =>
      names.length
        ? names.map((n) => r.dimensions.find((d) => d.Name === n)?.Value ?? '–')
        : ['(only the shared ones)'];
    const stats = ['count', 'sum', 'min', 'max', ...(withP ? ['p50', 'p90', 'p99'] : [])];
    const body = rows.map((r) => [
      ...dimCells(r),
      fmt(r.sampleCount),
      fmt(r.sum),
      fmt(r.min),
      fmt(r.max),
      ...(withP
        ? [r.percentiles?.p50, r.percentiles?.p90, r.percentiles?.p99].map((p) => (p === undefined ? '' : fmt(p)))
        : []),
    ]);
    const render = (dimHeader: string[]) => {
      const header = [...dimHeader, ...stats];
      const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
      const dims = dimHeader.length;
      // Dimension values read left-aligned, numbers right-aligned, a rule between the two kinds of column.
      const line = (cells: string[]) =>
        '    ' +
        cells
          .slice(0, dims)
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ') +
        ' │ ' +
        cells
          .slice(dims)
          .map((c, i) => c.padStart(widths[dims + i]!))
          .join('  ');
      return [line(header), ...body.map(line)];
    };
    lines.push(`  ${metric}  (${rows[0]!.unit})`);
    let table = render(names.length ? names : ['dimensions']);
    if (names.length && Math.max(...table.map((l) => l.length)) > maxWidth) {
      const short = names.map((_, i) => `d${i + 1}`);
      const legend = names.map((n, i) => `${short[i]} = ${n}`);
      const oneLine = `    dimension columns: ${legend.join(', ')}`;
      lines.push(
        ...(oneLine.length <= maxWidth ? [oneLine] : ['    dimension columns:', ...legend.map((l) => `      ${l}`)]),
      );
      table = render(short);
    }
    lines.push(...table);
    if (absent) lines.push('    – : the series has no such dimension');
    lines.push('');
  }
  return lines.join('\n');
}

/** A horizontal bar chart for the terminal, its columns headed by what the labels and the bars measure. */
export function barChart(title: string, bars: Bar[], axes: { category: string; value: string }, width = 40): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const labelWidth = Math.max(axes.category.length, ...bars.map((b) => b.label.length));
  const lines = [`  ${title}`, `    ${axes.category.padStart(labelWidth)} │ ${axes.value}`];
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

/** A chart of the HTML report, with what its two axes measure (and in which unit). */
export interface Chart {
  title: string;
  bars: Bar[];
  /** The axis the bars grow along, e.g. `requests (count)`. */
  valueAxis: string;
  /** The axis the bars are laid out along, e.g. `latency (ms)`. */
  categoryAxis: string;
}

/** Tick values from 0 past `max`, 1, 2 or 5 × a power of ten apart: about `target` steps, all round numbers. */
function ticks(max: number, target = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  // toPrecision: 3 × 0.1 must read 0.3, not 0.30000000000000004.
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/**
 * A horizontal bar chart as SVG: the category axis on the left, one tick per bar, its title above its labels (a
 * few bars leave no room to write it along the axis); the value axis below, with round ticks and its title.
 */
function svgBars(chart: Chart): string {
  const { title, bars } = chart;
  const w = 800;
  const rowH = 22;
  const charW = 7; // about the width of a 12 px sans-serif character
  const labelW = Math.max(40, ...bars.map((b) => b.label.length * charW));
  const left = labelW + 16; // tick labels, tick marks
  const plotW = w - left - 70; // room right of the longest bar for its value
  const top = 46;
  const plotH = Math.max(1, bars.length) * rowH;
  const bottom = top + plotH;
  const h = bottom + 52;
  const axis = ticks(Math.max(...bars.map((b) => b.value), 0));
  const axisMax = axis[axis.length - 1]!;
  const x = (v: number) => left + (plotW * v) / axisMax;
  const parts: string[] = [
    `<text x="0" y="16" font-weight="bold">${escape(title)}</text>`,
    `<text x="0" y="${top - 8}">${escape(chart.categoryAxis)}</text>`,
  ];
  for (const t of axis) {
    // A grid line per tick, the one at 0 drawn dark: it is the category axis.
    const at = x(t).toFixed(1);
    parts.push(
      `<line x1="${at}" y1="${top}" x2="${at}" y2="${bottom + 5}" stroke="${t === 0 ? '#333' : '#ddd'}"/>`,
      `<text x="${at}" y="${bottom + 18}" text-anchor="middle">${escape(fmt(t))}</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const len = x(b.value) - left;
    parts.push(
      `<line x1="${left - 5}" y1="${y + rowH / 2}" x2="${left}" y2="${y + rowH / 2}" stroke="#333"/>`,
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${escape(b.label)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${len.toFixed(1)}" height="${rowH - 6}" fill="#3b7dd8"/>`,
      `<text x="${(left + len + 6).toFixed(1)}" y="${y + 15}">${escape(fmt(b.value))}</text>`,
    );
  });
  if (bars.length === 0) parts.push(`<text x="${left + 8}" y="${top + 15}">no data read back</text>`);
  parts.push(
    `<line x1="${left}" y1="${bottom}" x2="${left + plotW}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${left + plotW / 2}" y="${bottom + 40}" text-anchor="middle">${escape(chart.valueAxis)}</text>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12" ` +
    `role="img" aria-label="${escape(title)}">${parts.join('')}</svg>`
  );
}

/** A self-contained HTML report: the charts as SVG, then every table. */
export function htmlReport(opts: {
  title: string;
  summary: string[];
  charts: Chart[];
  reports: SeriesReport[];
}): string {
  const common = commonDimensions(opts.reports);
  const rows = opts.reports
    .map((r) => {
      const own = ownDimensions(r, common);
      // Every pair exactly as stored, one per line: long names wrap between pairs, never inside one.
      const dims = own.length ? own.map((d) => escape(pair(d))).join('<br>') : '(only the shared ones)';
      return (
        `<tr><td>${escape(r.metric)}</td><td>${dims}</td><td>${escape(r.unit)}</td>` +
        [r.sampleCount, r.sum, r.min, r.max, r.percentiles?.p50, r.percentiles?.p90, r.percentiles?.p99]
          .map((x) => `<td class="n">${x === undefined ? '' : escape(fmt(x))}</td>`)
          .join('') +
        '</tr>'
      );
    })
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(opts.title)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}svg{display:block;margin:1.5em 0}table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}</style>
</head><body>
<h1>${escape(opts.title)}</h1>
<ul>${opts.summary.map((s) => `<li>${escape(s)}</li>`).join('')}</ul>
${opts.charts.map(svgBars).join('\n')}
<h2>What CloudWatch stored</h2>
<p>Every series also has: ${escape([...common].join(', ') || '–')} (not repeated below)</p>
<table><tr><th>metric</th><th>dimensions</th><th>unit</th><th>count</th><th>sum</th><th>min</th><th>max</th><th>p50</th><th>p90</th><th>p99</th></tr>
${rows}
</table>
</body></html>
`;
}
