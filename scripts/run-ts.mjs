// Runs a TypeScript script (the tutorial demo, the benchmarks) on Node 20: esbuild bundles it to .cache/ and
// Node imports the bundle. Package imports stay external, so `import … from 'simdloss'` loads the built package
// (dist/) through the package's self-reference, exactly as a user's code would.
import { build } from 'esbuild';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args…]');
  process.exit(2);
}
const outfile = `.cache/${basename(entry).replace(/\.ts$/, '')}.mjs`;
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'es2022',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
