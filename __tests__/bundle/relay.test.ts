// Issue 13, item 1: build output never becomes a runner command, through the
// bundled action and command line (dist/) with a fake `docker` whose build
// prints what a fork's Dockerfile can make BuildKit print, and a registry
// whose error body forges commands. The relay on its own: __tests__/relay.test.ts;
// the real engine: e2e/faults.test.ts.
import { describe, expect, test } from '@jest/globals';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ONE_STAGE } from '../../e2e/fixtures.mjs';
import { pushEvent, runAction } from '../../scripts/action-harness.mjs';
import { commandOutputs, forgedCommands as forged, runnerCommands } from '../../scripts/runner-log.mjs';
import { HOSTILE_OUTPUT as HOSTILE } from '../helpers.js';
import { tempDir } from '../temp-dirs.js';
import { bundledCli, workdir } from './harness.js';

const cli = (args: string[], env: Record<string, string>, cwd: string) => bundledCli(args, { env, cwd });

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** buildx's rawjson: a RUN step whose name and output are hostile, a hostile warning, and a failed step. */
function rawjson(): string {
  const t0 = '2024-01-01T00:00:00Z';
  const t1 = '2024-01-01T00:00:01Z';
  const step = `[app 2/2] RUN echo "x\r::warning::FORGED-NAME ##[warning]FORGED-NAME2"`;
  return [
    { vertexes: [{ digest: 'sha256:aa', name: step, started: t0 }] },
    { logs: [{ vertex: 'sha256:aa', stream: 1, data: b64(`${HOSTILE}\n`), timestamp: t0 }] },
    {
      vertexes: [
        {
          digest: 'sha256:aa',
          name: step,
          started: t0,
          completed: t1,
          error: 'process "/bin/sh -c x\r::error::FORGED-ERR" did not complete successfully: exit code: 1',
        },
      ],
    },
    {
      warnings: [
        { vertex: 'sha256:aa', level: 1, short: b64('lint says\r::warning::FORGED-WARN ##[add-mask]y'), detail: [] },
      ],
    },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n');
}

/** A docker whose buildx build prints rawjson on stderr and hostile text on stdout, then fails (removed after the file's tests: harness.ts). */
function fakeDocker(): string {
  const dir = tempDir('bbc-relay-docker-');
  writeFileSync(join(dir, 'progress.json'), `${rawjson()}\n`);
  writeFileSync(join(dir, 'stdout.txt'), `${HOSTILE}\n`);
  writeFileSync(
    join(dir, 'docker'),
    [
      '#!/bin/sh',
      'case " $* " in',
      '  *" buildx version "*) echo "github.com/docker/buildx v0.13.1 fake"; exit 0;;',
      '  *" inspect "*) printf "Name:   fake\\nDriver: docker-container\\n\\nNodes:\\nName:   fake0\\nStatus: running\\nBuildKit version: v0.13.2\\n"; exit 0;;',
      '  *" imagetools "*) exit 1;;',
      'esac',
      `cat "${join(dir, 'stdout.txt')}"`,
      `cat "${join(dir, 'progress.json')}" >&2`,
      'printf "ERROR: failed to solve: x\\r::error::FORGED-SOLVE\\n" >&2',
      'exit 1',
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'docker'), 0o755);
  return dir;
}

describe('item 1: the bundled action relays build output', () => {
  test('item 1: a failed build whose output forges commands: the runner sees none of them, and no digest', async () => {
    const docker = fakeDocker();
    const r = await runAction({
      cwd: workdir({ Dockerfile: ONE_STAGE }),
      event: pushEvent('main'),
      env: { PATH: `${docker}:/usr/bin:/bin` },
      inputs: { image: '127.0.0.1:1/acme/app', 'probe-cache': 'false' },
    });
    expect(r.code).toBe(1);
    const { commands, open } = runnerCommands(r.stdout + r.stderr);
    expect(open).toBe(false);
    expect(forged(commands)).toEqual([]);
    expect(commandOutputs(commands)).toEqual({});
    expect(r.outputs['digest']).toBeUndefined();
    // The action's own commands still work: its groups, BuildKit's warning as an annotation, the failure.
    expect(commands.filter((c) => c.name === 'group').length).toBeGreaterThanOrEqual(2);
    expect(commands.filter((c) => c.name === 'endgroup').length).toBe(
      commands.filter((c) => c.name === 'group').length,
    );
    expect(commands.find((c) => c.name === 'warning' && c.data.startsWith('lint says'))?.data).toBe(
      'lint says␍::warning::FORGED-WARN ##[add-mask]y',
    );
    expect(commands.filter((c) => c.name === 'error').map((c) => c.data)).toEqual([
      'docker buildx build failed with exit code 1: see the build log above',
    ]);
    // The build's text is in the log, for a person to read.
    expect(r.stdout).toContain('b ##[warning]FORGED-LEGACY');
    expect(r.stdout).toContain('x␍::error::FORGED-SOLVE');
  });
});

describe('item 1: the bundled command line relays both of buildx streams under GitHub Actions', () => {
  test('item 1: the command line under GITHUB_ACTIONS=true: no forged command from buildx stdout or stderr', async () => {
    const docker = fakeDocker();
    const cwd = workdir({ Dockerfile: ONE_STAGE });
    const payload = join(cwd, 'event.json');
    writeFileSync(payload, JSON.stringify(pushEvent('main').payload));
    const env = {
      PATH: `${docker}:/usr/bin:/bin`,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: payload,
      GITHUB_REF: 'refs/heads/main',
    };
    const r = await cli(['build', '--image', '127.0.0.1:1/acme/app', '--probe-cache', 'false'], env, cwd);
    expect(r.code).toBe(1);
    // Each stream on its own: the runner reads them on separate threads.
    for (const stream of [r.stdout, r.stderr]) {
      const { commands, open } = runnerCommands(stream);
      expect(open).toBe(false);
      expect(commands).toEqual([]);
    }
    expect(r.stdout + r.stderr).toContain('b ##[warning]FORGED-LEGACY');
  });

  test('item 1: off GitHub Actions, buildx stdout stays untouched', async () => {
    const docker = fakeDocker();
    const cwd = workdir({ Dockerfile: ONE_STAGE });
    const r = await cli(
      ['build', '--image', '127.0.0.1:1/acme/app', '--probe-cache', 'false'],
      { PATH: `${docker}:/usr/bin:/bin`, BRANCH_NAME: 'main' },
      cwd,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${HOSTILE}\n`);
  });
});

describe('item 1: cleanup relays what a registry says', () => {
  test('item 1: an error body that forges commands reaches the log, never the runner', async () => {
    const { createServer } = await import('node:http');
    const body = 'oops\r::warning::FORGED-BODY ##[warning]FORGED-LEGACY\n::error::FORGED-LINE';
    // The tag exists; listing the others (to keep shared digests) fails with a body a fork could write.
    const server = createServer((req, res) => {
      if (req.method === 'HEAD') res.writeHead(200, { 'Docker-Content-Digest': `sha256:${'1'.repeat(64)}` }).end();
      else res.writeHead(500, { 'Content-Type': 'text/plain' }).end(body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const port = (server.address() as { port: number }).port;
      const cwd = workdir({ Dockerfile: ONE_STAGE });
      const r = await runAction({
        cwd,
        event: {
          name: 'delete',
          ref: 'refs/heads/main',
          payload: {
            ref: 'feature/x',
            ref_type: 'branch',
            repository: { full_name: 'acme/app', default_branch: 'main' },
          },
        },
        // keep-for: 0, else a delete event keeps the caches and asks the registry nothing.
        inputs: { cleanup: 'true', image: `127.0.0.1:${port}/acme/app`, 'keep-for': '0' },
      });
      const out = r.stdout + r.stderr;
      const { commands } = runnerCommands(out);
      expect(forged(commands).map((c) => c.line)).toEqual([]);
      expect(commandOutputs(commands)).toEqual({});
      expect(out).toContain('FORGED-BODY');
    } finally {
      server.close();
    }
  });
});
