// build-push-action's environment variables, read as it reads them.
import { describe, expect, test } from '@jest/globals';
import { envFlags } from '../src/core/env-flags.js';

describe('envFlags', () => {
  test('unset: a summary, annotations, default attestations', () => {
    expect(envFlags({})).toEqual({ summary: true, checkAnnotations: true, noDefaultAttestations: false });
  });

  test.each([
    ['false', false],
    ['0', false],
    ['F', false],
    ['FALSE', false],
    ['true', true],
    ['1', true],
    ['t', true],
    ['yes', true], // not a boolean it reads: the default
  ])('DOCKER_BUILD_SUMMARY=%s', (value, summary) => {
    expect(envFlags({ DOCKER_BUILD_SUMMARY: value }).summary).toBe(summary);
  });

  test('each variable sets its own flag', () => {
    expect(envFlags({ DOCKER_BUILD_CHECKS_ANNOTATIONS: 'false' })).toEqual({
      summary: true,
      checkAnnotations: false,
      noDefaultAttestations: false,
    });
    expect(envFlags({ BUILDX_NO_DEFAULT_ATTESTATIONS: '1' })).toEqual({
      summary: true,
      checkAnnotations: true,
      noDefaultAttestations: true,
    });
  });
});

describe('envFlags: every spelling, on every variable', () => {
  const TRUE = ['1', 't', 'T', 'true', 'TRUE', 'True'];
  const FALSE = ['0', 'f', 'F', 'false', 'FALSE', 'False'];
  const OTHER = ['', 'yes', 'no', 'tRUE', ' true', 'on'];
  const NAMES = {
    DOCKER_BUILD_SUMMARY: 'summary',
    DOCKER_BUILD_CHECKS_ANNOTATIONS: 'checkAnnotations',
    BUILDX_NO_DEFAULT_ATTESTATIONS: 'noDefaultAttestations',
  } as const;
  const DEFAULTS = envFlags({});

  test.each(Object.entries(NAMES))('%s: true, false, or its default', (variable, flag) => {
    const read = (value: string) => envFlags({ [variable]: value })[flag];
    expect(TRUE.map(read)).toEqual(TRUE.map(() => true));
    expect(FALSE.map(read)).toEqual(FALSE.map(() => false));
    expect(OTHER.map(read)).toEqual(OTHER.map(() => DEFAULTS[flag]));
    expect(envFlags({ [variable]: undefined })[flag]).toBe(DEFAULTS[flag]);
  });
});
