// "Did you mean ...?" for a mistyped option or flag: the known word nearest to
// what was typed, when it is near enough to be a typo.

/** Levenshtein distance: insertions, deletions and substitutions. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The nearest of `known` to `word`, if at most `within` edits away. */
export function closest(word: string, known: readonly string[], within: number): string | undefined {
  const best = known.map((k) => [k, distance(word, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best !== undefined && best[1] <= within ? best[0] : undefined;
}
