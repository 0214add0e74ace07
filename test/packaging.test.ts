import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

const pkgDir = join(__dirname, '..', 'packages', 'exporter-metrics-cloudwatch');

describe('the published package', () => {
  it('loads through require() and import() with the same public names', async () => {
    // Resolved through the workspace link, as a user's bundler or Node would.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS entry point is what is tested
    const cjs = require('opentelemetry-exporter-metrics-cloudwatch') as Record<string, unknown>;
    const esm = (await import('opentelemetry-exporter-metrics-cloudwatch')) as Record<string, unknown>;
    const names = (m: Record<string, unknown>) =>
      Object.keys(m)
        .filter((k) => k !== 'default' && k !== '__esModule')
        .sort();
    expect(names(esm)).to.deep.equal(names(cjs));
    // The values of the public API (its types are in the API report): nothing else is exported by accident.
    expect(names(cjs)).to.deep.equal(['CloudWatchMetricExporter', 'createCloudWatchMetricReader', 'wrapLambdaHandler']);
  });

  it('marks its ESM build as ES modules and ships only build output, its sources, README and LICENSE', () => {
    const marker = JSON.parse(readFileSync(join(pkgDir, 'build', 'esm', 'package.json'), 'utf8')) as {
      type: string;
      sideEffects: unknown;
    };
    expect(marker.type).to.equal('module');
    // Bundlers take the nearest package.json's sideEffects: `false` here would let them drop the register entry.
    expect(marker.sideEffects).to.deep.equal(['./register.js']);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { files: string[] };
    for (const f of pkg.files) expect(f).to.match(/^(build\/|src\/|docs\/|README\.md$|LICENSE$)/);
  });

  it('ships every source its source and declaration maps name, so that they resolve (go to definition)', () => {
    const packed = execFileSync(
      'npm',
      ['pack', '--dry-run', '--json', '-w', 'opentelemetry-exporter-metrics-cloudwatch'],
      {
        cwd: join(pkgDir, '..', '..'),
        encoding: 'utf8',
      },
    );
    const files = new Set(
      (JSON.parse(packed) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path),
    );
    const maps = [...files].filter((f) => f.endsWith('.map'));
    for (const kind of ['.js.map', '.d.ts.map']) {
      expect(maps.filter((f) => f.endsWith(kind)).length, kind).to.be.above(10);
    }
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(pkgDir, map), 'utf8')) as { sources: string[] };
      for (const source of sources)
        expect(files, `${map} → ${source}`).to.include(posix.join(posix.dirname(map), source));
    }
  });
});
