/**
 * Decoding of Prometheus API response data (`matrix` results, `/api/v1/series` label sets) into
 * plain values, with the JSON path of anything malformed in the error. Wire types stop here.
 */

/** One series of a matrix result: its labels (with `__name__`) and points (epoch ms, value). */
export interface MatrixSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly timestampsMs: number[];
  readonly values: number[];
}

/** Thrown for malformed response data; `path` is the JSON path, e.g. `data.result[2].values[5]`. */
export class ResponseShapeError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`malformed response at ${path}: expected ${expected}`);
    this.name = 'ResponseShapeError';
  }
}

/** Decodes the `data` of a query/query_range response whose `resultType` must be `matrix`. */
export function decodeMatrix(data: unknown): MatrixSeries[] {
  const record = asRecord(data, 'data');
  if (record.resultType !== 'matrix') throw new ResponseShapeError('data.resultType', `"matrix", got ${JSON.stringify(record.resultType)}`);
  const result = asArray(record.result, 'data.result');
  return result.map((item, i) => decodeMatrixSeries(item, `data.result[${i}]`));
}

function decodeMatrixSeries(item: unknown, path: string): MatrixSeries {
  const record = asRecord(item, path);
  const metric = decodeLabels(record.metric, `${path}.metric`);
  const points = asArray(record.values ?? [], `${path}.values`);
  const timestampsMs: number[] = new Array<number>(points.length);
  const values: number[] = new Array<number>(points.length);
  points.forEach((point, j) => {
    const pair = asArray(point, `${path}.values[${j}]`);
    const t = pair[0];
    // Finite in milliseconds too: a finite number of seconds over 1.8e305 overflows to Infinity.
    const ms = typeof t === 'number' ? Math.round(t * 1000) : NaN;
    if (!Number.isFinite(ms)) throw new ResponseShapeError(`${path}.values[${j}][0]`, 'a timestamp in seconds');
    timestampsMs[j] = ms;
    values[j] = decodeSampleValue(pair[1], `${path}.values[${j}][1]`);
  });
  return { metric, timestampsMs, values };
}

/** Decodes the `data` of `/api/v1/series`: an array of label sets. */
export function decodeSeriesList(data: unknown): Array<Readonly<Record<string, string>>> {
  return asArray(data, 'data').map((item, i) => decodeLabels(item, `data[${i}]`));
}

/** A sample value as Prometheus encodes it: a string holding a float, `NaN`, `+Inf` or `-Inf`. */
export function decodeSampleValue(value: unknown, path: string): number {
  if (typeof value !== 'string') throw new ResponseShapeError(path, 'a sample value as a string');
  if (value === '+Inf' || value === 'Inf') return Infinity;
  if (value === '-Inf') return -Infinity;
  if (value === 'NaN') return NaN;
  const number = value.trim() === '' ? NaN : Number(value);
  if (Number.isNaN(number)) throw new ResponseShapeError(path, `a number, NaN, +Inf or -Inf, got ${JSON.stringify(value)}`);
  return number;
}

function decodeLabels(value: unknown, path: string): Readonly<Record<string, string>> {
  const record = asRecord(value, path);
  for (const [k, v] of Object.entries(record)) {
    if (typeof v !== 'string') throw new ResponseShapeError(`${path}.${k}`, 'a label value string');
  }
  return record as Record<string, string>;
}

function asRecord(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ResponseShapeError(path, 'an object');
  return value as Record<string, unknown>;
}

function asArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ResponseShapeError(path, 'an array');
  return value;
}
