// What both entry points (action/main.ts, cli/main.ts) do with their one
// promise: the bundles are CommonJS, with no top-level await, so a promise
// that never settled would end the process with exit 0, a green step that did
// nothing (ESM's top-level await exited 13). That is a failure, said by `fail`.
export function failIfUnsettled(work: Promise<unknown>, fail: () => void): void {
  let settled = false;
  process.on('exit', () => {
    if (!settled) fail();
  });
  work.finally(() => {
    settled = true;
  });
}
