// Bundles src/ into dist/ with esbuild: one ESM file per entry point.
// The banner gives CommonJS dependencies the `require` that ESM lacks.
import { chmodSync } from 'node:fs';
import { build } from 'esbuild';

const banner =
  "import { createRequire as __bbcCreateRequire } from 'node:module'; const require = __bbcCreateRequire(import.meta.url);";

await build({
  // cli: the command line (package.json's bin); its `#!/usr/bin/env node` comes from src/cli/main.ts, above the banner.
  entryPoints: { index: 'src/action/main.ts', cli: 'src/cli/main.ts' },
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

// Runnable as ./dist/cli.js too (npm sets the bit on install anyway; git keeps it).
chmodSync('dist/cli.js', 0o755);
