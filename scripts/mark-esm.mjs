// The ESM build lives beside the CommonJS one in a package without "type": a nested
// package.json tells Node that the files under build/esm are ES modules. Bundlers read its
// sideEffects field instead of the package's own, so it must name the register entry too:
// `false` there lets esbuild drop `import '…/register'` from an ES module bundle.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: mark-esm.mjs <esm build folder>');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', sideEffects: ['./register.js'] }) + '\n');
