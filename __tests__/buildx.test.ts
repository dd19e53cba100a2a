import { describe, expect, test } from '@jest/globals';
import {
  buildOptions,
  buildxArgs,
  parseMetadata,
  withExtraArgs,
  writesResultToStdout,
  type BuildOptions,
} from '../src/core/buildx.js';
import { decide } from '../src/core/decide.js';
import { parseConfig } from '../src/core/inputs.js';

function options(over: Partial<BuildOptions> = {}): BuildOptions {
  return {
    context: '.',
    tags: [],
    push: false,
    load: false,
    buildArgs: [],
    labels: [],
    platforms: [],
    noCache: false,
    pull: false,
    secretFiles: [],
    secretSources: [],
    attests: [],
    addHosts: [],
    allow: [],
    annotations: [],
    buildContexts: [],
    noCacheFilters: [],
    outputs: [],
    ssh: [],
    ulimit: [],
    cacheFrom: [],
    cacheTo: [],
    progress: 'plain',
    ...over,
  };
}

/** The value given after each occurrence of `flag`. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

describe('buildxArgs', () => {
  test('the minimum: buildx build with plain progress and the context last', () => {
    expect(buildxArgs(options())).toEqual(['buildx', 'build', '--progress=plain', '.']);
  });

  test('every build option, in a stable order, context last', () => {
    const args = buildxArgs(
      options({
        context: './app',
        file: './app/Dockerfile.prod',
        target: 'build',
        tags: ['ghcr.io/acme/app:latest', 'ghcr.io/acme/app:1.0'],
        push: true,
        load: true,
        buildArgs: ['A=1', 'LIST=a,b'],
        labels: ['team=x', 'title=app, the app'],
        platforms: ['linux/amd64', 'linux/arm64'],
        builder: 'remote',
        network: 'none',
        noCache: true,
        pull: true,
        secretFiles: [
          { id: 'token', src: '/tmp/x/secret-0' },
          { id: 'npmrc', src: '/tmp/x/secret-1' },
        ],
        secretSources: [
          { id: 'aws', kind: 'env', from: 'AWS_KEY' },
          { id: 'cert', kind: 'src', from: './cert.pem' },
        ],
        attests: ['type=provenance,mode=max', 'type=sbom'],
        addHosts: ['db:10.0.0.2'],
        allow: ['network.host'],
        annotations: ['index:org.opencontainers.image.title=app'],
        buildContexts: ['base=docker-image://alpine:3.20'],
        call: 'check',
        cgroupParent: 'ci',
        noCacheFilters: ['test'],
        outputs: ['type=local,dest=out'],
        shmSize: '2g',
        ssh: ['default'],
        ulimit: ['nofile=1024:1024'],
        metadataFile: '/tmp/x/metadata.json',
        cacheFrom: ['type=registry,ref=r:cache.build.x', 'type=registry,ref=r:cache.build.main'],
        cacheTo: ['type=registry,ref=r:cache.build.x,mode=max'],
      }),
    );
    expect(args).toEqual([
      'buildx',
      '--builder',
      'remote',
      'build',
      '--progress=plain',
      '--add-host',
      'db:10.0.0.2',
      '--allow',
      'network.host',
      '--annotation',
      'index:org.opencontainers.image.title=app',
      '--build-arg',
      'A=1',
      '--build-arg',
      'LIST=a,b',
      '--build-context',
      'base=docker-image://alpine:3.20',
      '--call',
      'check',
      '--cgroup-parent',
      'ci',
      '--file',
      './app/Dockerfile.prod',
      '--label',
      'team=x',
      '--label',
      'title=app, the app',
      '--no-cache-filter',
      'test',
      '--output',
      'type=local,dest=out',
      '--platform',
      'linux/amd64,linux/arm64',
      '--attest',
      'type=provenance,mode=max',
      '--attest',
      'type=sbom',
      '--secret',
      'id=token,src=/tmp/x/secret-0',
      '--secret',
      'id=npmrc,src=/tmp/x/secret-1',
      '--secret',
      'id=aws,env=AWS_KEY',
      '--secret',
      'id=cert,src=./cert.pem',
      '--shm-size',
      '2g',
      '--ssh',
      'default',
      '--tag',
      'ghcr.io/acme/app:latest',
      '--tag',
      'ghcr.io/acme/app:1.0',
      '--target',
      'build',
      '--ulimit',
      'nofile=1024:1024',
      '--network',
      'none',
      '--no-cache',
      '--pull',
      '--cache-from',
      'type=registry,ref=r:cache.build.x',
      '--cache-from',
      'type=registry,ref=r:cache.build.main',
      '--cache-to',
      'type=registry,ref=r:cache.build.x,mode=max',
      '--push',
      '--load',
      '--metadata-file',
      '/tmp/x/metadata.json',
      './app',
    ]);
  });

  test('progress rawjson, for the action to read the build itself', () => {
    const args = buildxArgs(options({ progress: 'rawjson' }));
    expect(args).toEqual(['buildx', 'build', '--progress=rawjson', '.']);
    expect(args).not.toContain('--progress=plain');
  });

  test('the builder is a buildx global flag: before `build`', () => {
    const args = buildxArgs(options({ builder: 'mybuilder' }));
    expect(args.indexOf('--builder')).toBe(1);
    expect(args.indexOf('--builder')).toBeLessThan(args.indexOf('build'));
    expect(args[2]).toBe('mybuilder');
  });

  test('unset options add nothing', () => {
    const args = buildxArgs(
      options({
        file: '',
        target: '',
        builder: '',
        network: '',
        call: '',
        shmSize: '',
        cgroupParent: '',
        metadataFile: '',
      }),
    );
    expect(args).toEqual(['buildx', 'build', '--progress=plain', '.']);
  });

  test('one --cache-from per import, in order; one --cache-to per export', () => {
    const args = buildxArgs(options({ cacheFrom: ['a', 'b', 'c'], cacheTo: ['d'] }));
    expect(values(args, '--cache-from')).toEqual(['a', 'b', 'c']);
    expect(values(args, '--cache-to')).toEqual(['d']);
    expect(values(buildxArgs(options({ cacheFrom: ['a'] })), '--cache-to')).toEqual([]);
  });

  test('a context that starts with - is not read as a flag', () => {
    const args = buildxArgs(options({ context: '--push' }));
    expect(args[args.length - 1]).toBe('./--push');
    expect(args).not.toContain('--push');
    expect(buildxArgs(options({ context: '-' })).at(-1)).toBe('./-');
  });

  test('other contexts are passed as they are', () => {
    for (const context of ['.', 'app', '/abs/path', 'https://github.com/acme/app.git#main', 'a b']) {
      expect(buildxArgs(options({ context })).at(-1)).toBe(context);
    }
  });

  test('values are separate argv entries, never shell-quoted', () => {
    const tag = 'ghcr.io/acme/app:$(rm -rf /)';
    const args = buildxArgs(options({ tags: [tag], buildArgs: ['X="; echo pwned'] }));
    expect(values(args, '--tag')).toEqual([tag]);
    expect(values(args, '--build-arg')).toEqual(['X="; echo pwned']);
  });
});

describe('parseMetadata', () => {
  test('reads the digest and the image id (config digest)', () => {
    const raw = {
      'buildx.build.ref': 'default/default/abc',
      'containerimage.config.digest': 'sha256:1111',
      'containerimage.digest': 'sha256:2222',
      'image.name': 'ghcr.io/acme/app:latest',
    };
    expect(parseMetadata(JSON.stringify(raw, null, 2) + '\n')).toEqual({
      digest: 'sha256:2222',
      imageid: 'sha256:1111',
      raw,
    });
  });

  test('an empty or blank file gives empty values', () => {
    expect(parseMetadata('')).toEqual({ digest: '', imageid: '', raw: {} });
    expect(parseMetadata(' \n')).toEqual({ digest: '', imageid: '', raw: {} });
  });

  test('a build without an image output (no digest keys) gives empty values and keeps the rest', () => {
    const m = parseMetadata('{"buildx.build.ref":"b/b/x"}');
    expect(m.digest).toBe('');
    expect(m.imageid).toBe('');
    expect(m.raw).toEqual({ 'buildx.build.ref': 'b/b/x' });
  });

  test('non-string values are ignored', () => {
    const m = parseMetadata('{"containerimage.digest": 5, "containerimage.config.digest": {"x": 1}}');
    expect(m.digest).toBe('');
    expect(m.imageid).toBe('');
  });

  test('invalid JSON throws', () => {
    expect(() => parseMetadata('{not json')).toThrow(SyntaxError);
  });
});

describe('buildOptions: the default provenance attestation', () => {
  const config = parseConfig((name) => ({ image: 'ghcr.io/acme/app', push: 'true' })[name] ?? '');
  const d = decide(
    config,
    { event: { eventName: 'push', ref: 'refs/heads/main', payload: {} } },
    'FROM scratch AS app\n',
    'Dockerfile',
  );
  const run = { url: 'https://github.com/acme/app/actions/runs/1/attempts/1', privateRepository: false };
  const attests = (noDefaultAttestations?: boolean) =>
    buildOptions(config, d, {
      secretFiles: [],
      progress: 'plain',
      run,
      ...(noDefaultAttestations === undefined ? {} : { noDefaultAttestations }),
    }).attests;

  test('added for a run on GitHub Actions unless BUILDX_NO_DEFAULT_ATTESTATIONS says not to', () => {
    const provenance = `type=provenance,mode=max,builder-id=${run.url}`;
    expect(attests()).toEqual([provenance]);
    expect(attests(false)).toEqual([provenance]);
    expect(attests(true)).toEqual([]);
  });
});

describe('withExtraArgs and writesResultToStdout at their edges', () => {
  test("the user's arguments go before the context, which stays last", () => {
    expect(withExtraArgs(['buildx', 'build', '.'], ['--ssh', 'default'])).toEqual([
      'buildx',
      'build',
      '--ssh',
      'default',
      '.',
    ]);
  });

  test('-o with its value joined, with or without =; blanks in the value, upper case in a key', () => {
    const stdout = (...args: string[]) => writesResultToStdout(['buildx', 'build', ...args, '.']);
    expect([stdout('-o-'), stdout('-o=-'), stdout('-o=type=tar'), stdout('--output', ' - ')]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([stdout('--output', 'Type=tar'), stdout('--output', 'type=local, dest=-')]).toEqual([true, true]);
    expect(stdout('--output', 'type=local,dest= -')).toBe(true);
  });

  test('a bare dest is a destination, and only -o and --output are outputs', () => {
    const stdout = (...args: string[]) => writesResultToStdout(['buildx', 'build', ...args, '.']);
    expect(stdout('--output', 'type=tar,dest')).toBe(false);
    expect(stdout('--label', 'a=b,dest=-')).toBe(false);
    expect(stdout('--tag', 'app:o-')).toBe(false);
  });
});
