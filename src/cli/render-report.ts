/**
 * Chooses and applies the report format of the CLI.
 */
import type { Report } from '../report/report.js';
import { reportJson } from '../report/report.js';
import { formatTable } from '../report/format-table.js';
import { formatMarkdown } from '../report/format-markdown.js';
import { UsageError } from './cli-io.js';

export type ReportFormat = 'json' | 'table' | 'markdown';

/** `--format` value, or the default: a table on a terminal, JSON for pipes and files. */
export function parseFormat(value: string | undefined, terminal: boolean): ReportFormat {
  if (value === undefined) return terminal ? 'table' : 'json';
  if (value === 'json' || value === 'table' || value === 'markdown') return value;
  throw new UsageError(`--format: expected json, table or markdown, got "${value}"`);
}

/** The report in `format`. */
export function renderReport(report: Report, format: ReportFormat): string {
  if (format === 'json') return reportJson(report);
  if (format === 'markdown') return formatMarkdown(report);
  return formatTable(report);
}
