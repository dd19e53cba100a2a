// The test Dockerfiles, each defined once: the unit, bundle and e2e tests and
// the benchmarks import them from here (plain JavaScript, so that
// bench/startup.mjs can too; the types are in fixtures.d.mts).

/**
 * The article's pipeline for runs that plan without building (build: false,
 * `plan`): a `dependencies` stage, and `build` FROM it. No engine reads it.
 */
export const PIPELINE = 'FROM scratch AS dependencies\nRUN echo deps\n\nFROM dependencies AS build\nRUN echo build\n';

/** One stage, `app`, for runs that plan without building (or build with a fake docker). */
export const ONE_STAGE = 'FROM scratch AS app\nRUN echo app\n';

/**
 * The first lines of a stage built on the test engine, which pulls nothing:
 * the static busybox (each fixture context holds it at ./busybox), its applets on PATH.
 */
export function busyboxStage(name = 'app') {
  return [`FROM scratch AS ${name}`, 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]'];
}

/** One stage, one RUN step, on the test engine. */
export const SINGLE_STAGE = [...busyboxStage('app'), 'RUN echo app > /app', ''].join('\n');

/** One stage whose RUN step fails with exit code 1, on the test engine. */
export const FAILING_STAGE = 'FROM scratch AS app\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "false"]\n';

/**
 * The article's pipeline (Trick #4) on the test engine: three RUN steps in
 * `dependencies`, two in `build`. `sleep` stands in for a slow `yarn install`
 * and `yarn build`; there is no network in builds here.
 */
export function pipelineDockerfile(sleep = 1) {
  return [
    ...busyboxStage('dependencies'),
    'COPY package.json /app/package.json',
    `RUN cp /app/package.json /app/installed.json && sleep ${sleep}`,
    'RUN mkdir -p /app/node_modules && echo lib > /app/node_modules/lib.js',
    'COPY src/ /app/src/',
    '',
    'FROM dependencies AS build',
    `RUN cat /app/src/*.js > /app/bundle.js && sleep ${sleep}`,
    'RUN echo built >> /app/bundle.js',
    '',
  ].join('\n');
}
