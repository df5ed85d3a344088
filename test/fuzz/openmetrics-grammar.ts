/**
 * A grammar-aware generator of OpenMetrics / Prometheus text lines for the fuzz tests: sample lines
 * (metric names of the seeds and odd ones, label sets with escapes, duplicate names and trailing
 * commas, values and timestamps at the edges: NaN, ±Inf, 1e400, seconds and milliseconds, negative,
 * huge), `# TYPE`/`# HELP`/`# UNIT`/`# EOF` lines, exemplars and free comments; plus the tokens
 * the text mutations insert.
 */
import fc from 'fast-check';

/** Tokens of the text format, for character-level edits. */
export const OPENMETRICS_TOKENS = [
  '{', '}', '"', '\\', '\\"', '\\n', '\\x', ',', '=', ' ', '\t', '#', '# EOF', '# TYPE ', ' counter', ' histogram', ' gaugehistogram', ' info', ' stateset', ' unknown',
  'le="+Inf"', 'le="NaN"', 'le="x"', 'NaN', '+Inf', '-Inf', 'Inf', '1e400', '-0', '0x1p3', '1_000', '9007199254740993', '1e11', '99999999999', '1e300', '.5', '5.',
  '_total', '_bucket', '_count', '_sum', '_created', ' # {a="b"} 1 1', '\r', '\u0000', '\u00e9',
];

const metricName = fc.oneof(
  fc.constantFrom('http_client_retries_total', 'http_server_request_duration_seconds_bucket', 'http_server_request_duration_seconds_count', 'x', 'x_total', 'x_bucket', 'x_count', 'up', 'a:b', '_'),
  fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,6}$/),
);
const labelName = fc.oneof(fc.constantFrom('le', 'instance', 'service', 'a', '__name__', '_'), fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,5}$/));
const labelValue = fc.oneof(
  fc.constantFrom('', '+Inf', '0.1', '1e-1', 'NaN', 'x', '\\\\', '\\"', '\\n', 'é'),
  fc.string({ maxLength: 6 }).map((s) => s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')),
);
const labels = fc
  .tuple(fc.array(fc.tuple(labelName, labelValue), { maxLength: 4 }), fc.boolean(), fc.constantFrom('', ' '))
  .map(([pairs, trailingComma, blank]) => `{${pairs.map(([n, v]) => `${blank}${n}${blank}=${blank}"${v}"`).join(',')}${trailingComma && pairs.length > 0 ? ',' : ''}}`);
const number = fc.oneof(
  fc.constantFrom('0', '1', '-1', 'NaN', '+Inf', '-Inf', 'Inf', '1e400', '-0', '.5', '5.', '1e', '+', '0x10', '1_0'),
  fc.integer({ min: 0, max: 1_000_000 }).map(String),
  fc.double().map(String),
);
const timestamp = fc.oneof(
  fc.integer({ min: 1_775_822_400, max: 1_775_822_700 }).map(String),
  fc.integer({ min: 1_775_822_400_000, max: 1_775_822_700_000 }).map(String),
  fc.constantFrom('0', '-1', '1e11', '99999999999', '100000000000', '1e300', '-1e300', '1775822400.0005', '1e400', 'NaN', '8.64e15'),
  fc.double({ noNaN: true }).map(String),
);

/** One line of a metrics text file. */
export const openMetricsLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(metricName, fc.option(labels, { nil: '' }), number, fc.option(timestamp, { nil: undefined }), fc.option(fc.constant(' # {a="b"} 1 1'), { nil: '' })).map(([n, l, v, t, e]) => `${n}${l} ${v}${t === undefined ? '' : ` ${t}`}${e}`) },
  { weight: 2, arbitrary: fc.tuple(metricName, fc.constantFrom('counter', 'gauge', 'histogram', 'summary', 'gaugehistogram', 'info', 'stateset', 'unknown', 'untyped', 'bogus', '')).map(([n, t]) => `# TYPE ${n} ${t}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('# HELP ', '# UNIT '), metricName, fc.string({ maxLength: 8 })).map(([k, n, t]) => `${k}${n} ${t}`) },
  { weight: 1, arbitrary: fc.constantFrom('# EOF', '#', '# free comment', '', '  ') },
);

/** A whole generated file: lines joined by `\n` or `\r\n`, with or without a final newline. */
export const openMetricsDocument: fc.Arbitrary<string> = fc
  .tuple(fc.array(openMetricsLine, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([lines, newline, final]) => lines.join(newline) + (final ? newline : ''));
