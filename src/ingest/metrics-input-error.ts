/**
 * The error every metrics-file ingest failure is reported with: it names the file, the line and
 * (when known) the column, so that the CLI can print `file:line:column: what was expected`.
 */

/** Bad metrics input: a syntax error, an inconsistent series or a file that cannot be read. */
export class MetricsInputError extends Error {
  /** Path of the offending file, as given by the caller. */
  readonly file: string;
  /** 1-based line number; 0 when the problem concerns the file as a whole (e.g. it cannot be opened). */
  readonly line: number;
  /** 1-based column (in characters) when the problem is at a precise place in the line. */
  readonly column: number | undefined;
  /** What is wrong, without the place prefix. */
  readonly reason: string;

  constructor(file: string, line: number, reason: string, column?: number) {
    super(`${formatPlace(file, line, column)}: ${reason}`);
    this.name = 'MetricsInputError';
    this.reason = reason;
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/** `file:line:column`, `file:line` or `file`, depending on what is known. */
export function formatPlace(file: string, line: number, column?: number): string {
  if (line <= 0) return file;
  return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
}
