import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
  });

  it('marks its ESM build as ES modules and ships only build output, README and LICENSE', () => {
    const marker = JSON.parse(readFileSync(join(pkgDir, 'build', 'esm', 'package.json'), 'utf8')) as { type: string };
    expect(marker.type).to.equal('module');
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { files: string[] };
    for (const f of pkg.files) expect(f).to.match(/^(build\/|README\.md$|LICENSE$)/);
  });
});
