/**
 * The `#` lines of OpenMetrics / Prometheus text: `# TYPE` (recorded, validated), `# UNIT`
 * (marks the file as OpenMetrics), `# EOF` (must end the file), `# HELP` and any other comment
 * (ignored, as the Prometheus text format allows free comments).
 */
import { METRIC_TYPES, OPENMETRICS_ONLY_TYPES } from './metric-kind.js';
import type { LineContext } from './openmetrics-lexer.js';
import { describeAt, metricNameEnd, skipBlanks, syntaxError, tokenEnd } from './openmetrics-lexer.js';

/** The parser state a comment line can change. */
export interface CommentState extends LineContext {
  /** Declared types by family (or sample) name. */
  readonly types: Map<string, string>;
  /** Line of `# EOF`, 0 while not seen. */
  eofLine: number;
  /** Why the file is known to be OpenMetrics rather than Prometheus text (first evidence), if it is. */
  openMetricsMarker: string | undefined;
}

/** Parses the comment line text[start, end) whose first character (at `start`) is `#`. */
export function parseComment(state: CommentState, text: string, start: number, end: number): void {
  if (text.startsWith('# EOF', start) && skipBlanks(text, start + 5, end) === end) {
    state.eofLine = state.line;
    state.openMetricsMarker ??= `'# EOF' on line ${state.line}`;
  } else if (text.startsWith('# TYPE ', start)) {
    parseTypeLine(state, text, start + 7, end);
  } else if (text.startsWith('# UNIT ', start)) {
    expectMetricName(state, text, skipBlanks(text, start + 7, end), end, '# UNIT');
    state.openMetricsMarker ??= `'# UNIT' on line ${state.line}`;
  } else if (text.startsWith('# HELP ', start)) {
    expectMetricName(state, text, skipBlanks(text, start + 7, end), end, '# HELP');
  }
}

function expectMetricName(state: CommentState, text: string, i: number, end: number, after: string): number {
  const nameEnd = metricNameEnd(text, i, end);
  if (nameEnd === i) throw syntaxError(state, i, `expected a metric name after '${after}', found ${describeAt(text, i, end)}`);
  return nameEnd;
}

function parseTypeLine(state: CommentState, text: string, i: number, end: number): void {
  i = skipBlanks(text, i, end);
  const nameEnd = expectMetricName(state, text, i, end, '# TYPE');
  const typeStart = skipBlanks(text, nameEnd, end);
  if (typeStart === nameEnd && typeStart < end) {
    throw syntaxError(state, nameEnd, `expected a space after the metric name, found ${describeAt(text, nameEnd, end)}`);
  }
  const typeEnd = tokenEnd(text, typeStart, end);
  const type = text.substring(typeStart, typeEnd);
  if (!METRIC_TYPES.has(type)) {
    const found = type === '' ? 'end of line' : `'${type}'`;
    throw syntaxError(state, typeStart, `expected a metric type (${[...METRIC_TYPES].join(', ')}), found ${found}`);
  }
  const rest = skipBlanks(text, typeEnd, end);
  if (rest < end) throw syntaxError(state, rest, `unexpected text after the metric type, found ${describeAt(text, rest, end)}`);
  state.types.set(text.substring(i, nameEnd), type);
  if (OPENMETRICS_ONLY_TYPES.has(type)) state.openMetricsMarker ??= `type '${type}' on line ${state.line}`;
}
