// What the `outputs` input says about where the result goes (src/core/outputs.ts),
// read as buildx reads it: an output without `type=` is a local directory.
import { describe, expect, test } from '@jest/globals';
import { exporterTypes, outputsFiles, outputsToDocker } from '../src/core/outputs.js';

describe('exporterTypes', () => {
  test("each output's type, in order, trimmed; none is local", () => {
    expect(
      exporterTypes(['type=image,push=true', 'dest=out', ' dest=x , type = tar ', 'type=oci,name=a=b', 'types=docker']),
    ).toEqual(['image', 'local', 'tar', 'oci', 'local']);
    expect(exporterTypes([])).toEqual([]);
  });

  test('a value holding = keeps it after the first', () => {
    expect(exporterTypes(['type=a=b'])).toEqual(['a=b']);
  });

  test('an unclosed quote is an error naming the outputs input', () => {
    expect(() => exporterTypes(['type=local,dest="out'])).toThrow(/^outputs: a double quote is not closed/);
  });

  test('a quoted attribute may hold a comma; the type is still found', () => {
    expect(exporterTypes(['"dest=a,b",type=local'])).toEqual(['local']);
  });
});

describe('outputsToDocker and outputsFiles', () => {
  test('docker: into Docker, like load; any one output decides', () => {
    expect([
      outputsToDocker(['type=local,dest=out', 'type=docker']),
      outputsToDocker(['type=dockerx']),
      outputsToDocker(['type=image']),
    ]).toEqual([true, false, false]);
  });

  test('local and tar (and no type) are files; any one output decides', () => {
    expect([
      outputsFiles(['type=image', 'type=tar,dest=x.tar']),
      outputsFiles(['type=image', 'dest=out']),
      outputsFiles(['type=image', 'type=docker']),
      outputsFiles([]),
    ]).toEqual([true, true, false, false]);
  });
});
