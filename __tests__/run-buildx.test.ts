// run-buildx.ts against a fake docker first on PATH (fake-docker.ts) that writes
// real `--progress=rawjson` captures (fixtures/rawjson) to its stderr.
import { afterEach, describe, expect, test } from '@jest/globals';
import { fstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProgressStream } from '../src/core/progress.js';
import { redactor } from '../src/core/redact.js';
import { runBuildx, type BuildxOutput } from '../src/shell/run-buildx.js';
import { FakeDocker, noDockerOnPath, type Answer } from './fake-docker.js';
import { HOSTILE_OUTPUT } from './helpers.js';

const RAWJSON = join(import.meta.dirname, 'fixtures', 'rawjson');
const capture = (name: string) => join(RAWJSON, `${name}.txt`);

const undo: (() => void)[] = [];
afterEach(() => {
  for (const f of undo.splice(0).reverse()) f();
});

function installDocker(answer: Answer): FakeDocker {
  const fake = new FakeDocker([{ when: ['buildx', 'build'], answer }]);
  undo.push(() => fake.restore());
  return fake;
}

/** Where runBuildx writes, kept as one string. */
function sink(github: boolean, relayStdout = true): BuildxOutput & { text: () => string } {
  const chunks: string[] = [];
  return { write: (t) => chunks.push(t), github, relayStdout, text: () => chunks.join('') };
}

const same = (s: string) => s;
const ARGS = ['buildx', 'build', '--progress=rawjson', '.'];

/** What the progress reader alone makes of a capture: the plain log (a line each) and the report. */
function readCapture(name: string) {
  const stream = new ProgressStream();
  const bytes = readFileSync(capture(name));
  const lines = [...stream.feed(bytes), ...stream.end()];
  return { log: lines.map((l) => `${l}\n`).join(''), report: stream.report() };
}

/** The one relay block of `text`: its token and what is inside; throws when the text is not exactly one block. */
function oneBlock(text: string): { token: string; body: string } {
  const m = /^::stop-commands::([0-9a-f]{32})\n([\s\S]*)::\1::\n$/.exec(text);
  if (!m) throw new Error(`not one relay block:\n${text.slice(0, 200)}\n...\n${text.slice(-200)}`);
  return { token: m[1]!, body: m[2]! };
}

describe('runBuildx: the exit status', () => {
  test.each([0, 1, 3])('exit %i passes through', async (code) => {
    const fake = installDocker({ stderr: 'ERROR: something\n', code });
    const out = sink(false);
    const run = await runBuildx(ARGS, out, same);
    expect([run.code, out.text()]).toEqual([code, 'ERROR: something\n']);
    expect(fake.argvs()).toEqual([ARGS]);
  });

  test('buildx killed by SIGTERM: 143, as a shell would say', async () => {
    installDocker({ stderr: 'building\n', signal: 'SIGTERM' });
    expect((await runBuildx(ARGS, sink(false), same)).code).toEqual(143);
  });

  test('a signal to this process (a cancelled job) is passed on to buildx; the handlers go when it ends', async () => {
    const fake = installDocker({ sleepMs: 30_000 });
    const before = process.listeners('SIGTERM');
    const running = runBuildx(ARGS, sink(false), same);
    for (let i = 0; i < 200 && fake.calls().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const added = process.listeners('SIGTERM').filter((l) => !before.includes(l));
    expect(added.length).toEqual(1);
    // As the process would on a signal: the handler runs (not a real kill of the test worker).
    (added[0] as (s: NodeJS.Signals) => void)('SIGTERM');
    expect((await running).code).toEqual(143);
    expect(process.listeners('SIGTERM')).toEqual(before);
  });

  test('no docker on PATH: rejects saying docker cannot run; no handler left behind', async () => {
    undo.push(noDockerOnPath());
    const before = process.listeners('SIGINT').length;
    const e = await runBuildx(ARGS, sink(false), same).then(
      () => new Error('resolved'),
      (err: Error) => err,
    );
    expect([e.message, process.listeners('SIGINT').length]).toEqual(['cannot run docker: spawn docker ENOENT', before]);
  });
});

describe.each(['0.13', '0.29'])('runBuildx: buildx %s rawjson on stderr', (v) => {
  test.each(['full-hit', 'cold', 'failed-step'])(
    '%s: the plain log and the report, as the reader makes them',
    async (s) => {
      const expected = readCapture(`${v}-${s}`);
      installDocker({ stderrFile: capture(`${v}-${s}`), code: s === 'failed-step' ? 1 : 0 });
      const out = sink(false);
      const run = await runBuildx(ARGS, out, same);
      expect(out.text()).toEqual(expected.log);
      expect(run.report).toEqual(expected.report);
      expect(run.code).toEqual(s === 'failed-step' ? 1 : 0);
      // The plain log is BuildKit's progress, not its JSON.
      expect(out.text()).toMatch(/^#1 \[internal\] load build definition from Dockerfile$/m);
      expect(
        out
          .text()
          .split('\n')
          .filter((l) => /"vertexes"\s*:/.test(l)),
      ).toEqual([]);
    },
  );

  test('cancelled mid-record (SIGTERM): 143, and the cut record said to be skipped at the end', async () => {
    const text = readFileSync(capture(`${v}-full-hit`), 'utf8');
    const cut = text.slice(0, text.indexOf('"completed"', text.length / 2));
    installDocker({ stderr: cut, signal: 'SIGTERM' });
    const out = sink(false);
    const run = await runBuildx(ARGS, out, same);
    const stream = new ProgressStream();
    const expected = [...stream.feed(`${cut}\n`), ...stream.end()].map((l) => `${l}\n`).join('');
    expect([run.code, out.text()]).toEqual([143, expected]);
    expect(out.text().trimEnd().split('\n').pop()).toEqual(
      '(1 progress record(s) from buildx were not valid JSON and were skipped)',
    );
  });

  test('full-hit: the report says every step came from the cache', async () => {
    installDocker({ stderrFile: capture(`${v}-full-hit`) });
    const { report } = await runBuildx(ARGS, sink(false), same);
    expect([report.cached, report.total, report.cacheHit, report.exported]).toEqual([4, 4, true, true]);
  });

  test('github: the whole output (stdout too) in one ::stop-commands:: block, none of its commands live', async () => {
    const expected = readCapture(`${v}-partial-hit`);
    installDocker({ stdout: `${HOSTILE_OUTPUT}\n`, stderrFile: capture(`${v}-partial-hit`) });
    const out = sink(true);
    await runBuildx(ARGS, out, same);
    const { token, body } = oneBlock(out.text());
    // Inside, every line of the progress log and of stdout; no \r or U+2028 left to start a line of its own.
    const lines = new Set(body.split('\n'));
    expect(expected.log.split('\n').filter((l) => !lines.has(l))).toEqual([]);
    expect(body).toContain('a␍::warning::FORGED-CR');
    expect(body).toContain('d␤::error::FORGED-LS');
    expect(body).not.toMatch(/[\r\u2028\u2029]/);
    expect([body.includes('::stop-commands::'), body.includes(`::${token}::`)]).toEqual([true, false]);
    // The only ::stop-commands:: inside is the forged one from stdout, which the runner ignores in a block.
    expect(body.split('\n').filter((l) => l.startsWith('::stop-commands::'))).toEqual(['::stop-commands::guessed']);
  });

  test('github: a run that prints nothing opens no block', async () => {
    installDocker({});
    const out = sink(true);
    await runBuildx(ARGS, out, same);
    expect(out.text()).toEqual('');
  });
});

describe('runBuildx: stdout', () => {
  test('relayStdout: stdout is read through a pipe and written with the log', async () => {
    const fake = installDocker({ stdout: 'stdout line\n', stderr: 'stderr line\n' });
    const out = sink(false, true);
    await runBuildx(ARGS, out, same);
    expect(out.text().split('\n').sort()).toEqual(['', 'stderr line', 'stdout line']);
    const own = fstatSync(1);
    expect(fake.calls().map((c) => c.stdout.ino === own.ino && c.stdout.dev === own.dev)).toEqual([false]);
  });

  test("relayStdout false: buildx gets this process's own stdout (an --output - tarball)", async () => {
    // This one line goes to the test process's stdout, as buildx's tarball would.
    const fake = installDocker({ stdout: 'run-buildx.test: buildx stdout, left alone\n', stderr: 'stderr line\n' });
    const out = sink(false, false);
    await runBuildx(ARGS, out, same);
    expect(out.text()).toEqual('stderr line\n');
    const own = fstatSync(1);
    expect(fake.calls().map((c) => c.stdout)).toEqual([{ dev: own.dev, ino: own.ino }]);
  });
});

describe('runBuildx: secrets', () => {
  const TOKEN = 'ghp_S3cr3tT0kenValue0123456789';
  const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

  test.each([false, true])(
    'github %s: a secret in stdout, in a RUN step log and in buildx text never reaches the log',
    async (github) => {
      // A RUN step's output as rawjson carries it: base64 in a logs entry of a real capture's vertex.
      const capturedLog = readFileSync(capture('0.29-partial-hit'), 'utf8');
      const vertex = /"logs":\[\{"vertex":"(sha256:[0-9a-f]+)"/.exec(capturedLog)![1]!;
      const data = Buffer.from(`token is ${TOKEN}\n${KEY}\n`).toString('base64');
      const logsLine = JSON.stringify({
        logs: [{ vertex, stream: 1, data, timestamp: '2026-11-30T02:23:15.6Z' }],
      });
      const stderr = capturedLog.replace(/\n$/, '') + `\n${logsLine}\nERROR: failed to push: denied for ${TOKEN}\n`;
      installDocker({ stdout: `echoed ${TOKEN}\n${KEY}\n`, stderr, code: 1 });
      const out = sink(github);
      const redact = redactor([TOKEN, KEY]);
      await runBuildx(ARGS, out, redact);
      const text = out.text();
      const leaks = [TOKEN, ...KEY.split('\n')].filter((s) => text.includes(s));
      expect(leaks).toEqual([]);
      // Each place it was printed now shows the mask instead.
      expect(text).toContain('echoed ***');
      expect(text).toContain('ERROR: failed to push: denied for ***');
      expect(text).toMatch(/^#\d+ token is \*\*\*$/m);
    },
  );
});
