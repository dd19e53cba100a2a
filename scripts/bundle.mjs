// Bundles src/ into dist/ with esbuild: one ESM file per entry point.
// The banner gives CommonJS dependencies the `require` that ESM lacks.
import { chmodSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// @actions/core reaches undici (through @actions/http-client) only for getIDToken's OIDC
// request, which this action never makes; those packages' top-level code does nothing we
// need, so they are marked side-effect free and drop out unless something used reaches them.
// About 420 of the 675 kB the bundle was (see the README's Benchmarks).
const unusedHttp = {
  name: 'unused-http-client',
  setup(b) {
    b.onResolve({ filter: /^(@actions\/http-client|undici|tunnel)(\/.*)?$/ }, async (args) => {
      if (args.pluginData?.resolving) return undefined;
      const { kind, resolveDir, importer } = args;
      const found = await b.resolve(args.path, { kind, resolveDir, importer, pluginData: { resolving: true } });
      return found.errors.length > 0 ? found : { ...found, sideEffects: false };
    });
  },
};

const banner =
  "import { createRequire as __bbcCreateRequire } from 'node:module'; const require = __bbcCreateRequire(import.meta.url);";

// esbuild writes a .LEGAL.txt only when there are legal comments: an old one must not outlive them.
for (const entry of ['index', 'cli']) rmSync(`dist/${entry}.js.LEGAL.txt`, { force: true });

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
  plugins: [unusedHttp],
  logLevel: 'warning',
});

// Runnable as ./dist/cli.js too (npm sets the bit on install anyway; git keeps it).
chmodSync('dist/cli.js', 0o755);
