// Bundles src/ into dist/ with esbuild: one CommonJS file per entry point (dist/package.json
// says so), and dist/THIRD-PARTY-NOTICES.txt, the notices of every npm package with code in them.
// CommonJS, not ESM: an ESM import of a Node builtin reads every one of its exports, and
// node:http's load undici, http2 and worker_threads; with the ESM loader that was about 34 ms
// of each job's start on the test machine (README, Benchmarks: the action's own cost).
//
// `node scripts/bundle.mjs` (npm run bundle) writes dist/; `--outdir DIR` writes the same files
// into DIR instead (scripts/release.mjs compares them with dist/ byte for byte).
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const outdirArg = args[0] === '--outdir' && args[1] ? args[1] : undefined;
if (args.length > 0 && outdirArg === undefined) {
  console.error('usage: node scripts/bundle.mjs [--outdir DIR]');
  process.exit(2);
}
const outdir = resolve(root, outdirArg ?? 'dist');

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

// esbuild writes a .LEGAL.txt only when there are legal comments: an old one must not outlive them.
for (const entry of ['index', 'cli']) rmSync(join(outdir, `${entry}.js.LEGAL.txt`), { force: true });

const result = await build({
  // cli: the command line (package.json's bin); its `#!/usr/bin/env node` comes from src/cli/main.ts.
  entryPoints: { index: 'src/action/main.ts', cli: 'src/cli/main.ts' },
  absWorkingDir: root,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'external',
  plugins: [unusedHttp],
  logLevel: 'warning',
  metafile: true,
});

// The package is "type": "module" (its scripts and tests); the bundles are CommonJS.
writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

// Runnable as ./dist/cli.js too (npm sets the bit on install anyway; git keeps it).
chmodSync(join(outdir, 'cli.js'), 0o755);

writeFileSync(join(outdir, 'THIRD-PARTY-NOTICES.txt'), notices(result.metafile));

/**
 * The notices text: for every npm package some of whose code is in a bundle (an input with
 * bytes in the output; the side-effect-free packages above that drop out have none), its name,
 * version and license from its package.json, and its license and notice files. Sorted, and free
 * of absolute paths, so the same sources and node_modules give the same bytes anywhere.
 */
function notices(metafile) {
  /** package directory (relative to root) -> the bundles that hold its code */
  const packages = new Map();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    const bundle = `dist/${file.split('/').pop()}`;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (bytesInOutput === 0) continue;
      const dir = packageDir(input);
      if (dir === undefined) continue;
      if (!packages.has(dir)) packages.set(dir, new Set());
      packages.get(dir).add(bundle);
    }
  }
  const entries = [...packages].map(([dir, bundles]) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'UNKNOWN');
    const files = readdirSync(dir)
      .filter((f) => /^(licen[cs]e|copying|notice|thirdpartynotices)([.-].*)?$/i.test(f))
      .sort();
    return { name: pkg.name, version: pkg.version, license, bundles: [...bundles].sort(), dir, files };
  });
  entries.sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name < b.name ? -1 : 1));

  const rule = '='.repeat(78);
  const out = [
    'Third-party notices for dist/index.js (the action) and dist/cli.js (the command line)',
    '',
    'These bundles contain code of the npm packages below. Each is listed with its version,',
    'the license its package.json names, which bundle holds its code, and the license and notice',
    'files it ships. buildx-branch-cache itself is under the MIT license (LICENSE).',
    "Written by scripts/bundle.mjs (npm run bundle) from esbuild's metafile: do not edit.",
    '',
    ...entries.map((e) => `  ${e.name} ${e.version} (${e.license}): ${e.bundles.join(', ')}`),
  ];
  for (const e of entries) {
    out.push('', rule, `${e.name} ${e.version}`, `License: ${e.license}`, `In: ${e.bundles.join(', ')}`, rule);
    if (e.files.length === 0) out.push('', `(the package ships no license file; its package.json says ${e.license})`);
    for (const f of e.files) {
      const text = readFileSync(join(e.dir, f), 'utf8').replace(/\r\n?/g, '\n').trimEnd();
      out.push('', `--- ${f}`, '', text);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The innermost package directory an input file is in (undefined for this repository's own files). */
function packageDir(input) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.replace(/\\/g, '/'));
  if (!m) return undefined;
  // Inputs are relative to absWorkingDir (a symlinked node_modules resolves outside it: still relative).
  const dir = resolve(root, m[1]);
  if (!existsSync(join(dir, 'package.json'))) throw new Error(`${input}: no package.json in ${dir}`);
  return dir;
}
