/*
 * The documentation stays readable and true to the code: every line of the READMEs and guides fits in 120
 * columns, the package README in 250 lines, every relative link (and anchor) leads somewhere, and the options
 * and environment-variable tables list exactly what the code has, with the code's defaults. The snippets are
 * checked by readme.test.ts.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';
import { CloudWatchMetricExporter } from '../packages/exporter-metrics-cloudwatch/src/CloudWatchMetricExporter';
import { configFromEnv, ENV_VARIABLES } from '../packages/exporter-metrics-cloudwatch/src/config/fromEnv';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_EXPORT_INTERVAL_MS,
  DEFAULT_LAMBDA_EMF_FLUSH_INTERVAL_MS,
  DEFAULT_LAMBDA_FLUSH_INTERVAL_MS,
  DEFAULT_LAMBDA_SHUTDOWN_FLUSH_MS,
  DEFAULT_OUTPUT,
  DEFAULT_RESOURCE_DETECTORS,
  DEFAULT_STORAGE_RESOLUTION,
  DEFAULT_TIMEOUT_MS,
} from '../packages/exporter-metrics-cloudwatch/src/defaults';
import { resolveOptions } from '../packages/exporter-metrics-cloudwatch/src/config/resolveOptions';

const root = join(__dirname, '..');
const PKG = 'packages/exporter-metrics-cloudwatch';
const DOCS = `${PKG}/docs`;
const PACKAGE_README = `${PKG}/README.md`;
const FILES = [
  'README.md',
  PACKAGE_README,
  'examples/lambda/README.md',
  ...readdirSync(join(root, DOCS))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `${DOCS}/${f}`),
];
const MAX_COLUMNS = 120;
const MAX_README_LINES = 250;

const read = (file: string) => readFileSync(join(root, file), 'utf8');
const linesOf = (file: string) => read(file).replace(/\n$/, '').split('\n');

/** The lines outside fenced code blocks, with their line numbers. */
function prose(file: string): Array<{ line: number; text: string }> {
  let fenced = false;
  const out: Array<{ line: number; text: string }> = [];
  linesOf(file).forEach((text, i) => {
    if (/^\s*```/.test(text)) fenced = !fenced;
    else if (!fenced) out.push({ line: i + 1, text });
  });
  return out;
}

/** The anchor GitHub gives a heading: its text, lower case, without punctuation, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text } of prose(file)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const base = slug(heading[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Every link target of a file: inline links `[text](target)` and reference definitions `[label]: target`. */
function linksOf(file: string): Array<{ line: number; target: string }> {
  const out: Array<{ line: number; target: string }> = [];
  // A definition starts a block (it cannot interrupt a paragraph): after a blank line, a heading or a definition.
  let blockStart = true;
  for (const { line, text } of prose(file)) {
    // Inline code is not a link, even when it looks like one.
    const plain = text.replace(/`[^`]*`/g, '``');
    const def: RegExpExecArray | null = blockStart ? /^ {0,3}\[[^\]]+\]:\s+(\S+)/.exec(plain) : null;
    if (def) out.push({ line, target: def[1]! });
    else for (const m of plain.matchAll(/\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) out.push({ line, target: m[1]! });
    blockStart = plain.trim() === '' || plain.startsWith('#') || def !== null;
  }
  return out;
}

/** The rows of the Markdown table whose header row is `header`, as trimmed cells. */
function table(file: string, header: string): string[][] {
  const lines = linesOf(file);
  const start = lines.findIndex((l) => l.trim() === header);
  expect(start, `${file} has a table headed ${header}`).to.be.at.least(0);
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(
      lines[i]!.replace(/^\|/, '')
        .replace(/\|\s*$/, '')
        .split(/\s\|\s/)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, '');

/** The first code span of a table cell, read as a JavaScript literal (`{ a: 1 }`, `[]`, `60`, `true`). */
function literal(cell: string): unknown {
  const code = /`([^`]*)`/.exec(cell)?.[1];
  if (code === undefined) return undefined;
  const json = code.replace(/'/g, '"').replace(/([{,]\s*)([A-Za-z_$][\w$]*)\s*:/g, '$1"$2":');
  return JSON.parse(json) as unknown;
}

/** The property names of an interface, read from its source with the TypeScript compiler. */
function interfaceKeys(file: string, name: string): string[] {
  const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.Latest, true);
  const keys: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) {
      for (const member of node.members) {
        if (ts.isPropertySignature(member)) keys.push(member.name.getText(source));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  expect(keys.length, `interface ${name} in ${file}`).to.be.above(0);
  return keys;
}

describe('the documentation', () => {
  it(`keeps every line of the READMEs and guides within ${MAX_COLUMNS} columns, code and tables included`, () => {
    const long: string[] = [];
    for (const file of FILES) {
      linesOf(file).forEach((text, i) => {
        const columns = [...text].length;
        if (columns > MAX_COLUMNS) long.push(`${file}:${i + 1} (${columns})`);
      });
    }
    expect(long).to.deep.equal([]);
  });

  it(`keeps the package README to ${MAX_README_LINES} lines (the rest is in docs/)`, () => {
    expect(linesOf(PACKAGE_README).length).to.be.at.most(MAX_README_LINES);
  });

  it('has every relative link lead to a file of the repository, and every anchor to a heading', () => {
    const broken: string[] = [];
    for (const file of FILES) {
      // A reference link `[text][label]` needs its definition `[label]: target` in the same file.
      const lines = prose(file);
      const defined = new Set(
        lines.flatMap(({ text }) => /^ {0,3}\[([^\]]+)\]:\s/.exec(text)?.[1]!.toLowerCase() ?? []),
      );
      for (const { line, text } of lines) {
        for (const m of text.replace(/`[^`]*`/g, '``').matchAll(/\]\[([^\]]+)\]/g)) {
          if (!defined.has(m[1]!.toLowerCase())) broken.push(`${file}:${line} → [${m[1]}] (no definition)`);
        }
      }
      for (const { line, target } of linksOf(file)) {
        if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
        const where = `${file}:${line} → ${target}`;
        if (resolved.startsWith('..') || !existsSync(join(root, resolved))) {
          broken.push(`${where} (no such file)`);
        } else if (anchor !== undefined && resolved.endsWith('.md') && statSync(join(root, resolved)).isFile()) {
          if (!anchorsOf(resolved).has(anchor)) broken.push(`${where} (no such heading)`);
        }
      }
    }
    expect(broken).to.deep.equal([]);
  });

  describe('the package README’s options table', () => {
    const rows = table(PACKAGE_README, '| option | default | meaning |');
    const names = rows.map((r) => unquote(r[0]!));
    const resolved = resolveOptions({ namespace: 'Docs' }) as unknown as Record<string, unknown>;

    it('lists every option of CloudWatchMetricExporterOptions, and nothing else', () => {
      const keys = interfaceKeys(`${PKG}/src/options.ts`, 'CloudWatchMetricExporterOptions');
      expect([...new Set(names.map((n) => n.split('.')[0]))].sort()).to.deep.equal([...keys].sort());
    });

    it('lists every field of retry and retryBuffer', () => {
      const nested = (prefix: string) =>
        names
          .filter((n) => n.startsWith(`${prefix}.`))
          .map((n) => n.slice(prefix.length + 1))
          .sort();
      expect(nested('retry')).to.deep.equal(interfaceKeys(`${PKG}/src/send/retryPolicy.ts`, 'RetryPolicy').sort());
      expect(nested('retryBuffer')).to.deep.equal(
        interfaceKeys(`${PKG}/src/send/RetryBuffer.ts`, 'RetryBufferLimits').sort(),
      );
    });

    it('states the defaults the code applies', () => {
      // Defaults the table states in words: checked by the option tests, not here.
      const inWords = new Set([
        'namespace',
        'client',
        'temporalitySelector',
        'aggregationSelector',
        'emfStream',
        'output',
        'otlpEndpoint',
      ]);
      for (const [name, cell] of rows.map((r) => [unquote(r[0]!), r[1]!] as const)) {
        if (inWords.has(name)) continue;
        let value: unknown = name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], resolved);
        // No entity and no threshold are written as the option's own "off" values.
        if (name === 'entity') value = value ?? false;
        if (name === 'seriesWarningThreshold') {
          expect([value, cell], name).to.deep.equal([undefined, 'none']);
          continue;
        }
        expect(literal(cell), `${name}: ${cell}`).to.deep.equal(value);
      }
    });
  });

  describe('the package README’s environment-variable table', () => {
    const rows = table(PACKAGE_README, '| variable | default | read by | meaning |');

    it('lists every variable of ENV_VARIABLES (src/config/fromEnv.ts), and nothing else', () => {
      expect(rows.map((r) => unquote(r[0]!)).sort()).to.deep.equal(Object.keys(ENV_VARIABLES).sort());
    });

    it('says which setup reads each: both, or the register entry only', () => {
      for (const [cell, readBy] of rows.map((r) => [r[0]!, r[2]!] as const)) {
        const variable = unquote(cell);
        // createCloudWatchMetricReader reads what configFromEnv reads: a value it cannot take makes it throw.
        let readByReader = false;
        try {
          configFromEnv({ [variable]: ',\u0000' });
        } catch {
          readByReader = true;
        }
        expect(readBy, variable).to.equal(readByReader ? 'both' : 'register');
      }
    });

    it('states the defaults of src/defaults.ts', () => {
      const defaults = Object.fromEntries(rows.map((r) => [unquote(r[0]!), r[1]!]));
      expect(defaults).to.include({
        OTEL_EXPORTER_CLOUDWATCH_NAMESPACE: 'none',
        OTEL_EXPORTER_CLOUDWATCH_RESOURCE_DIMENSIONS: 'none',
        OTEL_EXPORTER_CLOUDWATCH_STORAGE_RESOLUTION: `\`${DEFAULT_STORAGE_RESOLUTION}\``,
        OTEL_EXPORTER_CLOUDWATCH_CONCURRENCY: `\`${DEFAULT_CONCURRENCY}\``,
        OTEL_EXPORTER_CLOUDWATCH_ENTITY: '`off`',
        OTEL_EXPORTER_CLOUDWATCH_OUTPUT: `\`${DEFAULT_OUTPUT}\``,
        OTEL_EXPORTER_CLOUDWATCH_OTLP_ENDPOINT: 'none',
        OTEL_METRIC_EXPORT_INTERVAL: `\`${DEFAULT_EXPORT_INTERVAL_MS}\``,
        OTEL_METRIC_EXPORT_TIMEOUT: `\`${DEFAULT_TIMEOUT_MS}\``,
        OTEL_LOG_LEVEL: 'none',
        OTEL_SDK_DISABLED: '`false`',
        OTEL_NODE_RESOURCE_DETECTORS: `\`${DEFAULT_RESOURCE_DETECTORS}\``,
      });
    });
  });

  it('the Lambda guide states the defaults of wrapLambdaHandler', () => {
    const rows = table(`${DOCS}/lambda.md`, '| option | default | meaning |');
    const defaults = Object.fromEntries(rows.map((r) => [unquote(r[0]!), r[1]!]));
    expect(defaults).to.include({
      flushIntervalMillis: `\`${DEFAULT_LAMBDA_EMF_FLUSH_INTERVAL_MS}\` with EMF, else \`${DEFAULT_LAMBDA_FLUSH_INTERVAL_MS}\``,
      shutdownFlushMillis: `\`${DEFAULT_LAMBDA_SHUTDOWN_FLUSH_MS}\``,
      extension: '`true`',
    });
    expect(Object.keys(defaults).sort()).to.deep.equal(
      interfaceKeys(`${PKG}/src/lambda/wrapLambdaHandler.ts`, 'LambdaFlushOptions').sort(),
    );
  });

  it('shows getStats() with the fields it has, in their order', async () => {
    const block = /## `getStats\(\)`[\s\S]*?```text\n([\s\S]*?)```/.exec(read(PACKAGE_README));
    expect(block, 'the README shows a getStats() sample').to.not.equal(null);
    const shown = [...block![1]!.matchAll(/'?([\w-]+)'?:/g)].map((m) => m[1]);
    const exporter = new CloudWatchMetricExporter({ namespace: 'Docs', clientConfig: { region: 'us-east-1' } });
    try {
      const keys = (o: object): string[] =>
        Object.entries(o).flatMap(([k, v]) => [k, ...(typeof v === 'object' && v !== null ? keys(v) : [])]);
      expect(shown).to.deep.equal(keys(exporter.getStats()));
    } finally {
      await exporter.shutdown();
    }
  });
});
