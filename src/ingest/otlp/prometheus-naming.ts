/**
 * OTLP metric and attribute names as Prometheus names, after the OpenTelemetry "Prometheus and
 * OpenMetrics Compatibility" specification (OTLP Metric points to Prometheus): invalid characters
 * become `_` and runs of `_` collapse to one; the UCUM unit becomes a word suffix (`s` → `_seconds`,
 * `By/s` → `_bytes_per_second`, `{request}` → nothing) unless the name already holds it; monotonic sums
 * end in `_total`. As in Prometheus' own OTLP translator (`otlptranslator`), unit `1` becomes `_ratio`
 * for gauges only: counters with unit `1` are almost always counts of things.
 */

/** What a metric becomes in Prometheus, which decides its suffixes. */
export type PrometheusMetricKind = 'counter' | 'gauge' | 'histogram';

const MAIN_UNITS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

const PER_UNITS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/**
 * The Prometheus metric name of an OTLP metric (before `_bucket`/`_count`/`_sum` for histograms):
 * `http.server.request.duration` with unit `s` as a histogram → `http_server_request_duration_seconds`;
 * `http.client.requests` with unit `{request}` as a counter → `http_client_requests_total`.
 */
export function prometheusMetricName(name: string, unit: string, kind: PrometheusMetricKind): string {
  const base = collapseUnderscores(name.replace(/[^a-zA-Z0-9_:]/g, '_')).replace(/_+$/, '');
  const tokens = base.split('_');
  const parts = [base];
  const { main, per } = prometheusUnit(unit, kind);
  if (main !== '' && !tokens.includes(main)) parts.push(main);
  if (per !== '' && !base.includes(`per_${per}`)) parts.push('per', per);
  if (kind === 'counter' && tokens[tokens.length - 1] !== 'total') parts.push('total');
  const joined = collapseUnderscores(parts.filter((part) => part !== '').join('_'));
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/**
 * The unit words of a UCUM unit: `{packet}` portions dropped, abbreviations spelled out (`ms` →
 * `milliseconds`), `foo/bar` split into `main` `foo` words and `per` `bar` words, unknown units kept
 * with their non-alphanumeric characters removed.
 */
export function prometheusUnit(unit: string, kind: PrometheusMetricKind): { main: string; per: string } {
  const cleaned = unit.replace(/\{[^}]*\}/g, '').trim();
  if (cleaned === '1') return { main: kind === 'gauge' ? 'ratio' : '', per: '' };
  const slash = cleaned.indexOf('/');
  const mainUnit = slash < 0 ? cleaned : cleaned.slice(0, slash).trim();
  const perUnit = slash < 0 ? '' : cleaned.slice(slash + 1).trim();
  return { main: unitWord(mainUnit, MAIN_UNITS), per: unitWord(perUnit, PER_UNITS) };
}

function unitWord(unit: string, table: Readonly<Record<string, string>>): string {
  if (unit === '') return '';
  if (Object.hasOwn(table, unit)) return table[unit] as string;
  return unit.replace(/[^a-zA-Z0-9]/g, '');
}

/**
 * A Prometheus label name for an attribute key: characters outside `[a-zA-Z0-9_]` become `_`, runs of
 * `_` collapse, a leading digit gets the prefix `key_` (as the OpenTelemetry Collector does). Returns
 * an empty string for a key with no usable character, which the caller drops.
 */
export function prometheusLabelName(key: string): string {
  let name = labelNames.get(key);
  if (name === undefined) {
    if (labelNames.size >= LABEL_NAME_CACHE_SIZE) labelNames.clear();
    name = sanitizeLabelName(key);
    labelNames.set(key, name);
  }
  return name;
}

/** Attribute keys repeat on every point: their label names are remembered (a bounded memo, cleared when full). */
const LABEL_NAME_CACHE_SIZE = 10_000;
const labelNames = new Map<string, string>();

function sanitizeLabelName(key: string): string {
  const sanitized = collapseUnderscores(key.replace(/[^a-zA-Z0-9_]/g, '_'));
  if (sanitized === '_' || sanitized === '') return '';
  return /^[0-9]/.test(sanitized) ? `key_${sanitized}` : sanitized;
}

function collapseUnderscores(text: string): string {
  return text.replace(/_{2,}/g, '_');
}
