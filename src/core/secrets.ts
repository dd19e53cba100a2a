// Build secrets in the three forms build-push-action takes them: values
// (`secrets`), environment variables (`secret-envs`) and files
// (`secret-files`). Each item is `id=...`, split at the first `=`. A value
// reaches buildx only through an owner-only file (the shell writes it); an
// error names the item by its number and never quotes it.
import { InputError } from './errors.js';
import { parseList } from './lists.js';

export interface Secret {
  id: string;
  value: string;
}

/** Where buildx reads a secret that is not a value: an environment variable or a file. */
export interface SecretSource {
  id: string;
  /** `env` for secret-envs, `src` for secret-files. */
  kind: 'env' | 'src';
  from: string;
}

function splitItem(input: string, item: string, i: number, what: string): [string, string] {
  const eq = item.indexOf('=');
  // With no = (or = first) both halves are '': the same error whatever either one is.
  // Stryker disable next-line StringLiteral: see above
  const id = eq > 0 ? item.slice(0, eq) : '';
  // Stryker disable next-line StringLiteral: see above
  const value = eq > 0 ? item.slice(eq + 1) : '';
  if (id.trim() === '' || value === '') {
    const hint =
      input === 'secrets'
        ? '; a value over several lines goes in double quotes around the whole item: "id=line 1\\nline 2"'
        : '';
    throw new InputError(input, `item ${i + 1} is not id=${what} (it is not shown: it may hold a secret)${hint}`);
  }
  // The id goes into buildx's `id=...,src=...`: a comma would start another attribute.
  if (/[,\s]/.test(id.trim()))
    throw new InputError(input, `item ${i + 1}: the id holds a comma or a space: use letters, digits, - _ .`);
  return [id.trim(), value];
}

/** `secrets`: one `id=value` per line; a quoted item may span lines; values keep their spaces. */
export function parseSecrets(raw: string): Secret[] {
  return parseList(raw, { input: 'secrets', commas: false, trim: false }).map((item, i) => {
    const [id, value] = splitItem('secrets', item, i, 'value');
    return { id, value };
  });
}

/** `secret-envs` (id=VARIABLE) or `secret-files` (id=path). */
export function parseSecretSources(input: 'secret-envs' | 'secret-files', raw: string): SecretSource[] {
  const kind = input === 'secret-envs' ? 'env' : 'src';
  return parseList(raw, { input, commas: input === 'secret-envs' }).map((item, i) => {
    const [id, from] = splitItem(input, item, i, kind === 'env' ? 'VARIABLE' : 'path');
    return { id, kind, from: from.trim() };
  });
}
