// Runs a TypeScript script (a benchmark) by bundling it with esbuild first:
//   node scripts/run-ts.mjs bench/pipeline.ts [args...]
// The bundle is written next to the script and .mjs imports stay external, so
// relative paths and import.meta.url mean what they mean in the source.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
const out = join(dirname(resolve(entry)), `.${basename(entry, '.ts')}.${process.pid}.mjs`);
await build({
  entryPoints: [resolve(entry)],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  external: ['*.mjs'],
  logLevel: 'warning',
});
process.argv = [process.argv[0], resolve(entry), ...args];
try {
  await import(pathToFileURL(out).href);
} finally {
  rmSync(out, { force: true });
}
