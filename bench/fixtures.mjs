// scripts/run-ts.mjs bundles a benchmark into bench/ and leaves .mjs imports as written, so
// e2e/pipeline.ts's `./fixtures.mjs` is looked up here: this passes it on to e2e/fixtures.mjs.
export * from '../e2e/fixtures.mjs';
