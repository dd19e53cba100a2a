// Each cache backend says the same plan (branch chain x stages, export only to
// the branch's own stage) in its own terms; each backend's bad inputs are errors.
import { describe, expect, test } from '@jest/globals';
import { type Backend, cacheHome, location, renderExport, renderImport, renderOptions } from '../src/core/backend.js';
import { decide, type BuildSource } from '../src/core/decide.js';
import { InputError } from '../src/core/errors.js';
import { parseConfig } from '../src/core/inputs.js';
import { PIPELINE } from '../e2e/fixtures.mjs';

const SINGLE = 'FROM scratch AS app\nRUN echo app > /app\n';

const payload = { repository: { full_name: 'acme/app', default_branch: 'main' } };
const events: Record<string, BuildSource> = {
  push: { event: { eventName: 'push', ref: 'refs/heads/feature/x', payload } },
  'pull request': {
    event: {
      eventName: 'pull_request',
      ref: 'refs/pull/3/merge',
      payload: {
        ...payload,
        pull_request: {
          head: { ref: 'feature/x', repo: { full_name: 'acme/app' } },
          base: { ref: 'develop', repo: { full_name: 'acme/app' } },
        },
      },
    },
  },
  tag: { event: { eventName: 'push', ref: 'refs/tags/v1.0.0', payload } },
};

function plan(inputs: Record<string, string>, source: BuildSource, dockerfile = PIPELINE) {
  const config = parseConfig((name) => inputs[name] ?? '');
  return decide(config, source, dockerfile, 'Dockerfile').plan;
}

function error(inputs: Record<string, string>, dockerfile = PIPELINE, source: BuildSource = events.push!): InputError {
  try {
    plan(inputs, source, dockerfile);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('local', () => {
  const inputs = { 'cache-type': 'local', 'cache-dir': '/mnt/cache/' };
  test('push: imports each branch x stage from its directory, exports the branch own stage', () => {
    const p = plan(inputs, events.push!);
    expect(p.cacheFrom).toEqual([
      'type=local,src=/mnt/cache/cache.build.feature_x',
      'type=local,src=/mnt/cache/cache.dependencies.feature_x',
      'type=local,src=/mnt/cache/cache.build.main',
      'type=local,src=/mnt/cache/cache.dependencies.main',
    ]);
    expect(p.cacheTo).toEqual(['type=local,dest=/mnt/cache/cache.build.feature_x,mode=max,ignore-error=true']);
  });
  test('pull request: base branch then default; tag: default only, no export', () => {
    expect(plan(inputs, events['pull request']!).cacheFrom.map((c) => c.split('/').pop())).toEqual([
      'cache.build.feature_x',
      'cache.dependencies.feature_x',
      'cache.build.develop',
      'cache.dependencies.develop',
      'cache.build.main',
      'cache.dependencies.main',
    ]);
    const tag = plan(inputs, events.tag!);
    expect(tag.cacheFrom).toEqual([
      'type=local,src=/mnt/cache/cache.build.main',
      'type=local,src=/mnt/cache/cache.dependencies.main',
    ]);
    expect(tag.cacheTo).toEqual([]);
  });
  test('without cache-dir: one line naming cache-dir', () => {
    expect(error({ 'cache-type': 'local' }).message).toBe(
      'cache-dir: is required for cache-type local: give a directory on a disk that outlives the job',
    );
  });
  test('needs no image', () => {
    expect(plan(inputs, events.push!).export?.ref).toBe('/mnt/cache/cache.build.feature_x');
  });
});

describe('gha', () => {
  test('push: one scope per branch x stage; export with mode=max; url/token only when set', () => {
    const p = plan({ 'cache-type': 'gha' }, events.push!);
    expect(p.cacheFrom).toEqual([
      'type=gha,scope=cache.build.feature_x',
      'type=gha,scope=cache.dependencies.feature_x',
      'type=gha,scope=cache.build.main',
      'type=gha,scope=cache.dependencies.main',
    ]);
    expect(p.cacheTo).toEqual(['type=gha,scope=cache.build.feature_x,mode=max,ignore-error=true']);
    const withToken = plan({ 'cache-type': 'gha', 'cache-options': 'url=http://127.0.0.1:1/,token=t0k' }, events.push!);
    expect(withToken.cacheFrom[0]).toBe('type=gha,scope=cache.build.feature_x,url=http://127.0.0.1:1/,token=t0k');
    expect(withToken.cacheTo[0]).toBe(
      'type=gha,scope=cache.build.feature_x,mode=max,ignore-error=true,url=http://127.0.0.1:1/,token=t0k',
    );
  });
  test('pull request and tag', () => {
    expect(plan({ 'cache-type': 'gha' }, events['pull request']!).cacheFrom).toHaveLength(6);
    expect(plan({ 'cache-type': 'gha' }, events.tag!).cacheTo).toEqual([]);
  });
  test('cache-options may not move the cache elsewhere', () => {
    expect(error({ 'cache-type': 'gha', 'cache-options': 'scope=other' }).message).toMatch(
      /^cache-options: cannot set "scope"/,
    );
  });
});

describe('s3', () => {
  const inputs = { 'cache-type': 's3', 's3-bucket': 'ci-cache', 's3-region': 'eu-west-1' };
  test('push: one entry per name (BuildKit imports only the first of ;-separated names)', () => {
    const p = plan(inputs, events.push!);
    expect(p.cacheFrom[0]).toBe('type=s3,region=eu-west-1,bucket=ci-cache,name=cache.build.feature_x');
    expect(p.cacheFrom).toHaveLength(4);
    expect(p.cacheFrom.filter((c) => c.includes(';'))).toEqual([]);
    expect(p.cacheTo).toEqual([
      'type=s3,region=eu-west-1,bucket=ci-cache,name=cache.build.feature_x,mode=max,ignore-error=true',
    ]);
  });
  test('pull request and tag', () => {
    expect(plan(inputs, events['pull request']!).cacheFrom[2]).toBe(
      'type=s3,region=eu-west-1,bucket=ci-cache,name=cache.build.develop',
    );
    expect(plan(inputs, events.tag!).cacheTo).toEqual([]);
  });
  test('bucket and region are required', () => {
    expect(error({ 'cache-type': 's3', 's3-region': 'eu-west-1' }).input).toBe('s3-bucket');
    expect(error({ 'cache-type': 's3', 's3-bucket': 'b' }).input).toBe('s3-region');
  });
});

describe('inline', () => {
  const inputs = { 'cache-type': 'inline', image: 'ghcr.io/acme/app', push: 'true' };
  test('push: imports the branch chain image tags, exports type=inline and tags the image for the branch', () => {
    const config = parseConfig((name) => (inputs as Record<string, string>)[name] ?? '');
    const d = decide(config, events.push!, SINGLE, 'Dockerfile');
    expect(d.plan.cacheFrom).toEqual([
      'type=registry,ref=ghcr.io/acme/app:cache.app.feature_x',
      'type=registry,ref=ghcr.io/acme/app:cache.app.main',
    ]);
    expect(d.plan.cacheTo).toEqual(['type=inline']);
    expect(d.extraTags).toEqual(['ghcr.io/acme/app:cache.app.feature_x']);
  });
  test('pull request and tag', () => {
    expect(plan(inputs, events['pull request']!, SINGLE).cacheFrom).toHaveLength(3);
    const tag = parseConfig((name) => (inputs as Record<string, string>)[name] ?? '');
    const d = decide(tag, events.tag!, SINGLE, 'Dockerfile');
    expect([d.plan.cacheTo, d.extraTags]).toEqual([[], []]);
  });
  test('refused, with the reason, when the target builds on other stages', () => {
    expect(error(inputs).message).toBe(
      'cache-type: inline keeps only the layers of the image it is pushed with, and build builds on dependencies: use registry (or local, gha, s3) for multi-stage builds',
    );
  });
  test('refused without push when it would export', () => {
    expect(error({ ...inputs, push: 'false' }, SINGLE).message).toMatch(
      /^cache-type: inline stores the cache inside the pushed image: set push: true/,
    );
  });
  test('needs an image', () => {
    expect(error({ 'cache-type': 'inline' }, SINGLE).input).toBe('image');
  });
});

describe('registry needs an image; unknown types are refused', () => {
  test('registry without image', () => {
    expect(error({}).message).toMatch(/^image: is required for cache-type registry/);
  });
  test('cache-type nonsense', () => {
    expect(error({ 'cache-type': 'nfs' }).message).toBe(
      'cache-type: "nfs" is not a cache type: use one of registry, local, gha, s3, inline',
    );
  });
});

describe('matrix-safe names', () => {
  const base = { image: 'ghcr.io/acme/app' };
  test('one platform and no cache-scope: the platform keeps matrix jobs apart', () => {
    const p = plan({ ...base, platforms: 'linux/arm64' }, events.push!);
    expect(p.export?.name).toBe('cache.build.linux_arm64.feature_x');
    expect(p.imports.filter((e) => !e.name.includes('.linux_arm64.')).map((e) => e.name)).toEqual([]);
  });
  test('cache-scope is encoded like a branch and wins over the platform', () => {
    expect(
      plan({ ...base, platforms: 'linux/arm64', 'cache-scope': 'Node 20/Alpine' }, events.push!).export?.name,
    ).toBe('cache.build.Node__20_20_Alpine.feature_x');
  });
  test('several platforms and no scope: no scope', () => {
    expect(plan({ ...base, platforms: 'linux/amd64,linux/arm64' }, events.push!).export?.name).toBe(
      'cache.build.feature_x',
    );
  });
  test('names stay valid tags at any branch length', () => {
    const long = { event: { eventName: 'push', ref: `refs/heads/${'x/'.repeat(120)}end`, payload } };
    const p = plan({ ...base, 'cache-scope': 'linux/arm64/v8' }, long);
    for (const e of [...p.imports, p.export!]) expect(e.name).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
  });
});

describe('extra refs', () => {
  test('extra-cache-from and extra-cache-to lines are passed through after the planned ones', () => {
    const p = plan(
      {
        image: 'ghcr.io/acme/app',
        'extra-cache-from': 'type=registry,ref=ghcr.io/acme/base:cache\ntype=local,src=/tmp/c',
        'extra-cache-to': 'type=local,dest=/tmp/c,mode=max',
      },
      events.push!,
    );
    expect(p.cacheFrom.slice(-2)).toEqual(['type=registry,ref=ghcr.io/acme/base:cache', 'type=local,src=/tmp/c']);
    expect(p.cacheTo).toHaveLength(2);
    expect(p.cacheTo[1]).toBe('type=local,dest=/tmp/c,mode=max');
  });
});

describe('each backend in its own terms (backend.ts)', () => {
  const opts: [string, string][] = [['url', 'http://cache:1/']];
  const backends: Record<string, Backend> = {
    registry: { type: 'registry', image: 'ghcr.io/acme/app', options: [] },
    inline: { type: 'inline', image: 'ghcr.io/acme/app', options: [['registry.insecure', 'true']] },
    local: { type: 'local', cacheDir: '/mnt/cache//', options: [] },
    gha: { type: 'gha', options: opts },
    s3: { type: 's3', s3: { bucket: 'ci-cache', region: 'eu-west-1' }, options: [['prefix', 'p/']] },
  };

  test('renderOptions: key=value pairs; a later key overrides an earlier one in its place', () => {
    expect(renderOptions([])).toBe('');
    expect(
      renderOptions([
        ['type', 'registry'],
        ['mode', 'max'],
        ['ref', 'r'],
        ['mode', 'min'],
      ]),
    ).toBe('type=registry,mode=min,ref=r');
  });

  test('cacheHome: the repository, the directory or the bucket; gha has none', () => {
    expect(Object.values(backends).map(cacheHome)).toEqual([
      'ghcr.io/acme/app',
      'ghcr.io/acme/app',
      '/mnt/cache//',
      undefined,
      's3://ci-cache',
    ]);
  });

  test('location: where one named cache lives (a directory without its trailing slashes)', () => {
    expect(Object.values(backends).map((b) => location(b, 'cache.app.main'))).toEqual([
      'ghcr.io/acme/app:cache.app.main',
      'ghcr.io/acme/app:cache.app.main',
      '/mnt/cache/cache.app.main',
      'gha:cache.app.main',
      's3://ci-cache/cache.app.main',
    ]);
  });

  test('renderImport: the type, the place, then the user options', () => {
    expect(Object.values(backends).map((b) => renderImport(b, 'c.main'))).toEqual([
      'type=registry,ref=ghcr.io/acme/app:c.main',
      'type=registry,ref=ghcr.io/acme/app:c.main,registry.insecure=true',
      'type=local,src=/mnt/cache/c.main',
      'type=gha,scope=c.main,url=http://cache:1/',
      'type=s3,region=eu-west-1,bucket=ci-cache,name=c.main,prefix=p/',
    ]);
  });

  test('renderExport: the place, the mode, the layout a registry needs, ignore-error; inline only its own options', () => {
    const to: [string, string][] = [['compression', 'zstd']];
    expect(Object.values(backends).map((b) => renderExport(b, 'c.x', 'max', to))).toEqual([
      'type=registry,ref=ghcr.io/acme/app:c.x,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true,compression=zstd',
      'type=inline,compression=zstd',
      'type=local,dest=/mnt/cache/c.x,mode=max,ignore-error=true,compression=zstd',
      'type=gha,scope=c.x,mode=max,ignore-error=true,url=http://cache:1/,compression=zstd',
      'type=s3,region=eu-west-1,bucket=ci-cache,name=c.x,mode=max,ignore-error=true,prefix=p/,compression=zstd',
    ]);
  });

  test('renderExport: cache-to-options override the options and the defaults, in place', () => {
    const gha: Backend = { type: 'gha', options: [['timeout', '1m']] };
    expect(
      renderExport(gha, 'c', 'min', [
        ['ignore-error', 'false'],
        ['timeout', '2m'],
      ]),
    ).toBe('type=gha,scope=c,mode=min,ignore-error=false,timeout=2m');
    expect(renderExport(backends.registry!, 'c', 'min', [['oci-mediatypes', 'false']])).toBe(
      'type=registry,ref=ghcr.io/acme/app:c,mode=min,image-manifest=true,oci-mediatypes=false,ignore-error=true',
    );
  });
});
