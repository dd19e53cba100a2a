// Secrets never reach the log. The runner masks what `::add-mask::` names, but
// only on GitHub; the action prints buildx's output itself, so it redacts too
// (also on other CIs, through the command line).

/** Cache options whose values are credentials (gha, s3). */
const SECRET_OPTION_KEYS = new Set(['token', 'secret_access_key', 'session_token', 'access_key_id']);

export function secretOptionValues(options: [string, string][]): string[] {
  return options.filter(([k]) => SECRET_OPTION_KEYS.has(k.toLowerCase())).map(([, v]) => v);
}

/** Every value, and each line of a multi-line value (logs print line by line). */
export function secretParts(values: string[]): string[] {
  const parts = new Set<string>();
  for (const v of values) {
    for (const p of [v, ...v.split(/\r?\n/)]) {
      const t = p.trim();
      if (t.length > 0) parts.add(t);
    }
  }
  // Longest first, so that a secret containing another is replaced whole.
  return [...parts].sort((a, b) => b.length - a.length);
}

export function redactor(values: string[]): (text: string) => string {
  const parts = secretParts(values);
  if (parts.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const p of parts) out = out.split(p).join('***');
    return out;
  };
}
