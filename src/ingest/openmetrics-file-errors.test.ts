import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsInputError, readOpenMetricsFiles } from './openmetrics-file.js';

const dir = mkdtempSync(join(tmpdir(), 'shiftguard-om-err-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function writeTemp(content: string, ext = 'om'): string {
  const path = join(dir, `e${++counter}.${ext}`);
  writeFileSync(path, content);
  return path;
}

const REQUEST = { metricNames: ['wanted_total'], startMs: 0, endMs: 4e12 };

async function readError(paths: string[]): Promise<MetricsInputError> {
  try {
    await readOpenMetricsFiles(paths, REQUEST);
  } catch (error) {
    if (error instanceof MetricsInputError) return error;
    throw error;
  }
  throw new Error('expected a MetricsInputError');
}

interface Case {
  readonly name: string;
  readonly lines: readonly string[];
  readonly line: number;
  readonly column?: number;
  readonly message: string;
}

const OK = 'wanted_total{a="1"} 1 1775822400';

const SYNTAX_CASES: readonly Case[] = [
  { name: 'label without value', lines: [OK, 'other{a} 1 1775822400', '# EOF'], line: 2, column: 8, message: "expected '=' after label name, found '}'" },
  { name: 'missing timestamp', lines: ['other 1', '# EOF'], line: 1, column: 8, message: 'sample has no timestamp' },
  { name: 'exemplar instead of timestamp', lines: ['other_bucket{le="+Inf"} 1 # {t="x"} 1', '# EOF'], line: 1, column: 27, message: 'sample has no timestamp' },
  { name: 'bad value', lines: ['other 1x2 1775822400', '# EOF'], line: 1, column: 7, message: "invalid sample value '1x2'" },
  { name: 'bad timestamp', lines: ['other 1 17758e', '# EOF'], line: 1, column: 9, message: "invalid timestamp '17758e'" },
  { name: 'infinite timestamp', lines: ['other 1 +Inf', '# EOF'], line: 1, column: 9, message: "invalid timestamp '+Inf'" },
  { name: 'junk after timestamp', lines: ['other 1 1775822400 5', '# EOF'], line: 1, column: 20, message: "expected the end of the line or a ' # ' exemplar" },
  { name: 'no space before value', lines: ['other{a="1"}1 1775822400', '# EOF'], line: 1, column: 13, message: 'expected a space before the sample value' },
  { name: 'bad escape', lines: ['other{a="x\\t"} 1 1775822400', '# EOF'], line: 1, column: 11, message: "invalid escape '\\t'" },
  { name: 'unclosed value', lines: ['other{a="x} 1 1775822400', '# EOF'], line: 1, column: 9, message: 'label value is not closed' },
  { name: 'missing comma', lines: ['other{a="x" b="y"} 1 1775822400', '# EOF'], line: 1, column: 13, message: "expected ',' or '}' after label value, found 'b'" },
  { name: 'duplicate label', lines: ['other{a="x",a="y"} 1 1775822400', '# EOF'], line: 1, column: 13, message: "duplicate label name 'a'" },
  { name: 'bad metric name', lines: ['1other 1 1775822400', '# EOF'], line: 1, column: 1, message: 'expected a metric name' },
  { name: 'unknown type', lines: ['# TYPE other widget', '# EOF'], line: 1, column: 14, message: "found 'widget'" },
  { name: 'content after EOF', lines: [OK, '# EOF', OK], line: 3, column: 1, message: "unexpected content after '# EOF' (line 2)" },
];

describe('readOpenMetricsFiles syntax errors', () => {
  it.each(SYNTAX_CASES)('$name → file:line:column and the reason', async ({ lines, line, column, message }) => {
    const path = writeTemp(`${lines.join('\n')}\n`);
    const error = await readError([path]);
    expect(error.file).toBe(path);
    expect(error.line).toBe(line);
    if (column !== undefined) expect(error.column).toBe(column);
    expect(error.message).toContain(message);
    expect(error.message.startsWith(`${path}:${line}`)).toBe(true);
  });

  it('formats the place as file:line:column: reason', async () => {
    const path = writeTemp('other{a} 1 1775822400\n');
    await expect(readOpenMetricsFiles([path], REQUEST)).rejects.toThrow(`${path}:1:8: expected '=' after label name, found '}'`);
  });
});

describe('readOpenMetricsFiles truncated files and format detection', () => {
  it('names the last line when it is cut mid-sample', async () => {
    const path = writeTemp(`# TYPE wanted counter\n${OK}\nwanted_total{a="1"} 2`);
    const error = await readError([path]);
    expect(error.line).toBe(3);
    expect(error.message).toContain('the last line is cut short, the file looks truncated: sample has no timestamp');
  });

  it('refuses an OpenMetrics file without # EOF', async () => {
    const path = writeTemp(`# TYPE wanted counter\n${OK}\nwanted_total{a="1"} 2 1775822415\n`);
    const error = await readError([path]);
    expect(error.line).toBe(3);
    expect(error.message).toContain("the file ends at line 3 without '# EOF': the file looks truncated");
    expect(error.message).toContain('timestamps in seconds, e.g. line 2');
  });

  it('accepts Prometheus text format (ms timestamps, no # EOF, no trailing newline)', async () => {
    const path = writeTemp('# TYPE wanted_total counter\nwanted_total{a="1"} 1 1775822400000\nwanted_total{a="1"} 2 1775822415000', 'prom');
    const data = await readOpenMetricsFiles([path], REQUEST);
    expect([...(data.series[0]?.timestampsMs ?? [])]).toEqual([1775822400000, 1775822415000]);
  });
});

describe('readOpenMetricsFiles series consistency errors', () => {
  it('refuses timestamps going backwards, naming the previous line', async () => {
    const path = writeTemp(`${OK}\nother 1 1775822400\nwanted_total{a="1"} 2 1775822399\n# EOF\n`);
    const error = await readError([path]);
    expect(error.line).toBe(3);
    expect(error.message).toContain('goes backwards: the previous sample of this series is on line 1');
  });

  it('checks ordering in series that are not requested too', async () => {
    const path = writeTemp('other 1 1775822400\nother 2 1775822300\n# EOF\n');
    expect((await readError([path])).line).toBe(2);
  });

  it('drops an exact repeat but refuses a different value at the same timestamp in one file', async () => {
    const repeat = writeTemp(`${OK}\n${OK}\n# EOF\n`);
    expect((await readOpenMetricsFiles([repeat], REQUEST)).series[0]?.values).toEqual(new Float64Array([1]));
    const conflict = writeTemp(`${OK}\nwanted_total{a="1"} 9 1775822400\n# EOF\n`);
    const error = await readError([conflict]);
    expect(error.line).toBe(2);
    expect(error.message).toContain('1 on line 1 and 9 on this line');
  });

  it('refuses the same timestamp with different values in two files, naming both places', async () => {
    const a = writeTemp(`${OK}\n# EOF\n`);
    const b = writeTemp('wanted_total{a="1"} 2 1775822400000\n', 'prom');
    const error = await readError([a, b]);
    expect(error.file).toBe(b);
    expect(error.message).toContain(`wanted_total{a="1"} has two different values at 2026-04-10T12:00:00.000Z: 1 at ${a}:1 and 2 at ${b}:1`);
  });

  it('refuses a histogram without an le="+Inf" bucket, naming metric, labels and first line', async () => {
    const path = writeTemp(
      ['# TYPE lat histogram', 'lat_bucket{svc="x",le="+Inf"} 1 1775822400', 'lat_bucket{le="0.1",svc="y"} 1 1775822400', 'lat_bucket{le="1",svc="y"} 1 1775822400', '# EOF'].join('\n'),
    );
    const error = await readError([path]);
    expect(error.line).toBe(3);
    expect(error.message).toContain('histogram lat_bucket{svc="y"} has no le="+Inf" bucket');
  });

  it('refuses a bucket without le or with a non-numeric le', async () => {
    expect((await readError([writeTemp('x_bucket{a="1"} 1 1775822400\n# EOF\n')])).message).toContain("has no 'le' label");
    expect((await readError([writeTemp('x_bucket{le="big"} 1 1775822400\n# EOF\n')])).message).toContain('le="big", which is not a number');
  });
});

describe('readOpenMetricsFiles file errors', () => {
  it('names a path that cannot be opened', async () => {
    const missing = join(dir, 'missing.om');
    const error = await readError([missing]);
    expect(error.file).toBe(missing);
    expect(error.line).toBe(0);
    expect(error.message).toMatch(new RegExp(`^${missing.replaceAll('/', '\\/')}: cannot open metrics file: ENOENT`));
  });

  it('refuses a directory', async () => {
    expect((await readError([dir])).message).toContain('not a regular file');
  });
});
