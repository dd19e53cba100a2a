// What `call: check` found, from buildx's metadata file (`result.json`): the
// progress stream does not carry a check's findings, so without this they are
// only text in the log and the step fails with no reason of its own.

export interface CheckFinding {
  rule: string;
  detail: string;
  /** `Dockerfile:3`, when the finding has a place. */
  where?: string;
  url?: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The findings of a check, or [] when the metadata holds none (or is not a check's). */
export function checkFindings(metadata: Record<string, unknown>): CheckFinding[] {
  const result = metadata['result.json'];
  if (result === null || typeof result !== 'object') return [];
  const { warnings, sources } = result as { warnings?: unknown; sources?: unknown };
  if (!Array.isArray(warnings)) return [];
  const file = Array.isArray(sources) ? str((sources[0] as { filename?: unknown } | undefined)?.filename) : '';
  return warnings.flatMap((w: unknown) => {
    if (w === null || typeof w !== 'object') return [];
    const o = w as Record<string, unknown>;
    const line = (o.location as { ranges?: { start?: { line?: unknown } }[] } | undefined)?.ranges?.[0]?.start?.line;
    const where = typeof line === 'number' && file ? `${file}:${line}` : undefined;
    return [
      {
        rule: str(o.ruleName) || 'check',
        detail: str(o.detail) || str(o.description),
        where,
        url: str(o.url) || undefined,
      },
    ];
  });
}

/** One line per finding, as the log and the annotations say it. */
export function findingLine(f: CheckFinding): string {
  return `${f.rule}${f.where ? ` (${f.where})` : ''}: ${f.detail}${f.url ? ` ${f.url}` : ''}`;
}
