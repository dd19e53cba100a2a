// Secrets never reach the log. The runner masks what `::add-mask::` names, but
// only on GitHub; the action prints buildx's output itself, so it redacts too
// (also on other CIs, through the command line).

/** Keys whose values look like credentials: gha's token, s3's keys, and anything named so. */
const SECRET_KEY = /token|secret|password|passwd|key|credential/i;

/** Longer values may be a credential under any name (a URL with a token in it); they are masked too. */
export const MASK_LONGER_THAN = 16;

export function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Values of cache options to mask: those of keys that look secret, and any longer than 16 characters. */
export function secretOptionValues(options: [string, string][]): string[] {
  return options.filter(([k, v]) => v !== '' && (looksSecret(k) || v.length > MASK_LONGER_THAN)).map(([, v]) => v);
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
  // Stryker disable next-line ConditionalExpression: a shortcut; with no parts the loop below returns text as it is
  if (parts.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const p of parts) out = out.split(p).join('***');
    return out;
  };
}
