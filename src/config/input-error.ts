/**
 * The one error family for bad input files (shiftguard.yaml, upgrade.json, manifests, inventories):
 * every problem is listed with the file, line:column (when known), the field path and what was expected.
 */

/** One problem in an input file. */
export interface InputIssue {
  /** Field path such as `signals[0].quantiles[1]`; empty for the whole document. */
  readonly path: string;
  /** 1-based line of the offending node, when the source text is known. */
  readonly line?: number;
  /** 1-based column of the offending node, when the source text is known. */
  readonly column?: number;
  readonly message: string;
  /** Where the value came from when not from the file itself, e.g. `env SHIFTGUARD_LISTEN`. */
  readonly source?: string;
}

/**
 * Base class of input errors. `code` is stable (`invalid_config`, `invalid_upgrade`, …) so the CLI can map
 * the family to exit code 2 and the HTTP API to a 400 response; `message` lists every issue, one per line.
 */
export class InputError extends Error {
  readonly code: string;
  /** The file that was read, as given by the caller; null when no file was involved. */
  readonly file: string | null;
  readonly issues: readonly InputIssue[];

  constructor(code: string, title: string, file: string | null, issues: readonly InputIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    const lines = issues.map((issue) => formatInputIssue(file, issue));
    super([`${title}${file === null ? '' : ` ${file}`} (${count}):`, ...lines].join('\n'));
    this.name = new.target.name;
    this.code = code;
    this.file = file;
    this.issues = issues;
  }
}

/**
 * Formats one issue as `file:line:col: path: message` (the form editors and CI annotators recognise);
 * line and column are left out when unknown and the path when empty.
 */
export function formatInputIssue(file: string | null, issue: InputIssue): string {
  const where = issue.source ?? file ?? '(input)';
  const position = issue.line === undefined ? '' : `:${issue.line}:${issue.column ?? 1}`;
  const path = issue.path === '' ? '' : `${issue.path}: `;
  return `${where}${position}: ${path}${issue.message}`;
}
