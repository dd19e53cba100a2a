// What the `outputs` input says about where the build's result goes, as buildx
// reads it: an output with no `type=` is a local directory.
import { attributes } from './lists.js';

/** The exporter types the outputs name (`local` for one without a type). */
export function exporterTypes(outputs: readonly string[]): string[] {
  return outputs.map((o) => {
    const attrs = attributes('outputs', o);
    const type = attrs.find((f) => f.split('=')[0]!.trim() === 'type');
    return type === undefined ? 'local' : type.slice(type.indexOf('=') + 1).trim();
  });
}

/** Does an output put the image into Docker (`type=docker`), as `load` does? */
export function outputsToDocker(outputs: readonly string[]): boolean {
  return exporterTypes(outputs).includes('docker');
}

/** Is the result files (`local`, `tar`), so that there is no image and no image ID? */
export function outputsFiles(outputs: readonly string[]): boolean {
  return exporterTypes(outputs).some((t) => t === 'local' || t === 'tar');
}
