// Bundles src/ into dist/ with esbuild: one ESM file per entry point.
// The banner gives CommonJS dependencies the `require` that ESM lacks.
import { build } from 'esbuild';

const banner = "import { createRequire as __bbcCreateRequire } from 'node:module'; const require = __bbcCreateRequire(import.meta.url);";

await build({
  entryPoints: { index: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'external',
  banner: { js: banner },
  logLevel: 'warning',
});
