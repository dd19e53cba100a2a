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
