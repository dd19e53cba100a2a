import { describe, expect, test } from '@jest/globals';
import {
  ancestors,
  findStage,
  parseStages,
  sharesLine,
  stageNames,
  type Stage,
  type StageGraph,
} from '../src/core/stages.js';

// Several stages: ARG before FROM, mixed-case names, COPY --from=<index>,
// RUN --mount from= (bind and cache), external images and line continuations.
const DOCKERFILE = `# a comment before anything
ARG BASE=alpine:3.20
ARG GO=1.22

FROM \${BASE} AS Base
RUN apk add \\
      curl \\
      git

FROM alpine AS tools
RUN echo tools

from scratch as Seed
COPY seed.txt /seed.txt

FROM Base AS Deps
COPY --from=0 /etc/os-release /tmp/os-release
RUN --mount=type=bind,from=tools,source=/bin,target=/t \\
    --mount=type=cache,target=/root/.cache,from=SEED \\
    echo deps
COPY --from=nginx:latest /usr/share/nginx/html /html
RUN --mount=type=cache,target=/c,from=busybox true

FROM --platform=$BUILDPLATFORM deps AS Build
COPY --from=Tools /bin/sh /sh
COPY --from=9 /nothing /nothing
COPY --from=build /self /self

FROM build
COPY --from=3 /deps /deps
`;

function graph(): StageGraph {
  return parseStages(DOCKERFILE);
}

function stage(g: StageGraph, name: string): Stage {
  const s = findStage(g, name);
  if (s === undefined) throw new Error(`no stage ${name}`);
  return s;
}

function names(stages: Stage[]): (string | undefined)[] {
  return stages.map((s) => s.name ?? `#${s.index}`);
}

describe('parseStages', () => {
  test('finds every stage, in order, with lower-cased names', () => {
    const g = graph();
    expect(g.stages.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(g.stages.map((s) => s.name)).toEqual(['base', 'tools', 'seed', 'deps', 'build', undefined]);
    // Strict: toEqual would take a trailing undefined for the unnamed stage as absent.
    expect(stageNames(g)).toStrictEqual(['base', 'tools', 'seed', 'deps', 'build']);
  });

  test('keeps each FROM image as written, without its flags', () => {
    expect(graph().stages.map((s) => s.base)).toEqual(['${BASE}', 'alpine', 'scratch', 'Base', 'deps', 'build']);
  });

  test('external images are not stages', () => {
    const g = graph();
    expect(stage(g, 'base').deps).toEqual([]); // ${BASE}
    expect(stage(g, 'tools').deps).toEqual([]); // FROM alpine
    expect(stage(g, 'seed').deps).toEqual([]); // FROM scratch
  });

  test('FROM <stage> (mixed case), COPY --from=0, RUN --mount bind and cache from=', () => {
    // FROM Base -> 0; COPY --from=0 -> 0 again (once); bind from=tools -> 1; cache from=SEED -> 2;
    // COPY --from=nginx:latest and a cache from=busybox are external images.
    expect(stage(graph(), 'deps').deps).toEqual([0, 1, 2]);
  });

  test('FROM --platform=... <stage>, COPY --from=<Name>; a forward index and the stage itself are ignored', () => {
    expect(stage(graph(), 'build').deps).toEqual([3, 1]);
  });

  test('an unnamed last stage: FROM <stage> and COPY --from=<index>', () => {
    const last = graph().stages[5]!;
    expect(last.name).toBeUndefined();
    expect(last.deps).toEqual([4, 3]);
  });

  test('a FROM without an image has an empty base', () => {
    expect(parseStages('FROM\n').stages).toEqual([{ index: 0, name: undefined, base: '', deps: [] }]);
  });

  test('an empty file or one with only ARGs has no stages', () => {
    expect(parseStages('').stages).toEqual([]);
    expect(parseStages('ARG X=1\n# FROM commented out\n').stages).toEqual([]);
  });

  test('a name of a later stage is an external image at the point it is used', () => {
    const g = parseStages('FROM later AS first\nCOPY --from=later /a /a\nFROM alpine AS later\n');
    expect(g.stages[0]!.deps).toEqual([]);
    expect(g.stages[1]!.deps).toEqual([]);
  });

  test('COPY --from=<index> only counts earlier stages', () => {
    const g = parseStages('FROM alpine\nFROM alpine\nCOPY --from=0 /a /a\nCOPY --from=1 /b /b\nCOPY --from=2 /c /c\n');
    expect(g.stages[1]!.deps).toEqual([0]);
  });

  test('a --mount without from= adds nothing; several mounts on one RUN each count', () => {
    const g = parseStages(
      [
        'FROM alpine AS a',
        'FROM alpine AS b',
        'FROM alpine AS c',
        'RUN --mount=type=secret,id=x --mount=type=tmpfs,target=/t true',
        'RUN --mount=from=b,target=/b --mount=type=bind,target=/a,from=a true',
      ].join('\n'),
    );
    expect(g.stages[2]!.deps).toEqual([1, 0]);
  });

  test('heredoc bodies are not instructions', () => {
    const g = parseStages(
      [
        'FROM alpine AS a',
        'RUN <<EOF',
        'FROM a AS evil',
        'COPY --from=a /x /y',
        'EOF',
        'COPY <<EOT /etc/x',
        'FROM a',
        'EOT',
        '',
      ].join('\n'),
    );
    expect(stageNames(g)).toEqual(['a']);
    expect(g.stages).toHaveLength(1);
  });

  test('the escape directive: backtick line continuations (Windows Dockerfiles)', () => {
    const g = parseStages('# escape=`\nFROM alpine AS a\nFROM a `\n  AS b\nCOPY --from=a `\n  /x /y\n');
    expect(stageNames(g)).toEqual(['a', 'b']);
    expect(g.stages[1]!.deps).toEqual([0]);
  });

  test('ONBUILD COPY --from does not make a dependency of this build', () => {
    const g = parseStages('FROM alpine AS a\nFROM alpine AS b\nONBUILD COPY --from=a /q /q\n');
    expect(g.stages[1]!.deps).toEqual([]);
  });

  test('mount option names are case-insensitive', () => {
    const g = parseStages('FROM alpine AS a\nFROM alpine AS b\nRUN --mount=type=bind,FROM=a,target=/a true\n');
    expect(g.stages[1]!.deps).toEqual([0]);
  });

  test('only a plain number is a stage index: not -1, 0x0, 1e0 or a number with more', () => {
    const g = parseStages(
      'FROM alpine AS a\nFROM alpine AS b\nCOPY --from=-1 /a /a\nCOPY --from=0x0 /a /a\nCOPY --from=1e0 /a /a\n' +
        'COPY --from=0a /a /a\n',
    );
    expect(g.stages[1]!.deps).toEqual([]);
    const many = parseStages(
      `${Array.from({ length: 11 }, () => 'FROM alpine').join('\n')}\nFROM alpine\nCOPY --from=10 /a /a\n`,
    );
    expect(many.stages[11]!.deps).toEqual([10]);
  });

  test('a --from without a value, and flags before the first FROM, add nothing and do not throw', () => {
    expect(parseStages('FROM alpine AS a\nFROM alpine AS b\nCOPY --from /a /a\n').stages[1]!.deps).toEqual([]);
    const g = parseStages('COPY --from=a /x /y\nRUN --mount=from=a true\nFROM alpine AS a\nFROM a AS b\n');
    expect(g.stages.map((s) => s.deps)).toEqual([[], [0]]);
  });

  test('only COPY and ADD read --from, only RUN reads --mount, and only its from= option', () => {
    const on = (line: string) => parseStages(`FROM alpine AS a\nFROM alpine AS b\n${line}\n`).stages[1]!.deps;
    expect(on('ADD --from=a /x /y')).toEqual([0]);
    expect(on('COPY --chown=a /x /y')).toEqual([]);
    expect(on('COPY --mount=from=a /x /y')).toEqual([]);
    expect(on('RUN --from=a true')).toEqual([]);
    expect(on('RUN --network=from=a true')).toEqual([]);
    expect(on('RUN --mount=type=secret,id=a,target=/a true')).toEqual([]);
  });

  test('keywords in any case', () => {
    const g = parseStages('from alpine as One\ncopy --from=one /a /a\nFROM alpine AS two\nCoPy --from=ONE /a /a\n');
    expect(stageNames(g)).toEqual(['one', 'two']);
    expect(g.stages[1]!.deps).toEqual([0]);
  });
});

describe('findStage', () => {
  test('by name, case-insensitively', () => {
    const g = graph();
    expect(findStage(g, 'deps')?.index).toBe(3);
    expect(findStage(g, 'DEPS')?.index).toBe(3);
    expect(findStage(g, 'Tools')?.index).toBe(1);
  });

  test('no target (undefined or empty) is the last stage', () => {
    const g = graph();
    expect(findStage(g, undefined)?.index).toBe(5);
    expect(findStage(g, '')?.index).toBe(5);
  });

  test('an unknown name is undefined; so is any target in a file without stages', () => {
    expect(findStage(graph(), 'nope')).toBeUndefined();
    expect(findStage(graph(), '0')).toBeUndefined();
    expect(findStage({ stages: [] }, undefined)).toBeUndefined();
  });
});

describe('ancestors', () => {
  test('transitive, nearest first, each once, the stage itself excluded', () => {
    const g = graph();
    expect(names(ancestors(g, stage(g, 'deps')))).toEqual(['base', 'tools', 'seed']);
    // build -> deps, tools; deps -> base, (tools), seed
    expect(names(ancestors(g, stage(g, 'build')))).toEqual(['deps', 'tools', 'base', 'seed']);
    // last -> build, deps; build -> (deps), tools; deps -> base, (tools), seed
    expect(names(ancestors(g, g.stages[5]!))).toEqual(['build', 'deps', 'tools', 'base', 'seed']);
  });

  test('a stage on external images only has no ancestors', () => {
    const g = graph();
    expect(ancestors(g, stage(g, 'tools'))).toEqual([]);
  });

  test('a long chain is followed to its root', () => {
    const g = parseStages('FROM alpine AS a\nFROM a AS b\nFROM b AS c\nFROM c AS d\n');
    expect(names(ancestors(g, stage(g, 'd')))).toEqual(['c', 'b', 'a']);
  });

  test('a dependency missing from the graph is skipped', () => {
    const g: StageGraph = { stages: [{ index: 0, name: 'a', base: 'alpine', deps: [7] }] };
    expect(ancestors(g, g.stages[0]!)).toEqual([]);
  });

  test('unnamed stages are included (by index)', () => {
    const g = parseStages('FROM alpine\nFROM alpine AS b\nCOPY --from=0 /a /a\nFROM b AS c\n');
    expect(names(ancestors(g, stage(g, 'c')))).toEqual(['b', '#0']);
  });
});

describe('sharesLine', () => {
  // base <- deps <- build; tools stands apart; the unnamed last stage builds on build.
  const g = parseStages(
    'FROM alpine AS base\nFROM base AS deps\nFROM alpine AS tools\nFROM deps AS build\nFROM build\nCOPY --from=tools /t /t\n',
  );
  const related = sharesLine(g, 'final');
  const pairs = (list: [string, string][]) => list.map(([a, b]) => `${a}~${b}: ${related(a, b)}`);

  test('the same stage, and one that builds on the other, either way round, share a line', () => {
    expect(
      pairs([
        ['deps', 'deps'],
        ['base', 'build'],
        ['build', 'base'],
        ['deps', 'build'],
      ]),
    ).toEqual(['deps~deps: true', 'base~build: true', 'build~base: true', 'deps~build: true']);
  });

  test('siblings on other lines do not', () => {
    expect(
      pairs([
        ['tools', 'deps'],
        ['deps', 'tools'],
        ['tools', 'base'],
        ['build', 'tools'],
      ]),
    ).toEqual(['tools~deps: false', 'deps~tools: false', 'tools~base: false', 'build~tools: false']);
  });

  test('the final name stands for the unnamed last stage, whose line has every stage it copies from', () => {
    expect(
      pairs([
        ['final', 'base'],
        ['tools', 'final'],
        ['final', 'final'],
      ]),
    ).toEqual(['final~base: true', 'tools~final: true', 'final~final: true']);
  });

  test('an unknown name is taken as related (the safe side), on either side', () => {
    expect(
      pairs([
        ['gone', 'tools'],
        ['tools', 'gone'],
      ]),
    ).toEqual(['gone~tools: true', 'tools~gone: true']);
  });

  test('the final name is only the last stage when no stage is named so', () => {
    const named = parseStages('FROM alpine AS final\nFROM alpine AS other\n');
    expect(sharesLine(named, 'final')('final', 'other')).toBe(false);
    expect(sharesLine(parseStages('FROM alpine AS a\nFROM a AS b\n'), 'b')('a', 'b')).toBe(true);
    // An unnamed last stage on its own line: unrelated to the others, not unknown.
    expect(sharesLine(parseStages('FROM alpine AS a\nFROM alpine\n'), 'final')('final', 'a')).toBe(false);
    // and a name that is neither a stage nor the final name is unknown, not the last stage.
    expect(sharesLine(parseStages('FROM alpine AS a\nFROM alpine\n'), 'final')('gone', 'a')).toBe(true);
  });
});
