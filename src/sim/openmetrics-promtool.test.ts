import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawSeries } from '../series/model.js';
import { simulateFleet } from './fleet-simulator.js';
import { writeOpenMetrics } from './openmetrics-writer.js';
import { dtenStory } from './scenarios.js';

const PROMTOOL = process.env['PROMTOOL'] ?? '/usr/bin/promtool';
const TWO_HOURS_MS = 7_200_000;
const dir = mkdtempSync(join(tmpdir(), 'sim-promtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface BlockRow {
  readonly minTimeMs: number;
  readonly samples: number;
  readonly series: number;
}

/** Parses promtool's block table: ULID, MIN TIME, MAX TIME, DURATION, NUM SAMPLES, NUM CHUNKS, NUM SERIES, SIZE. */
function parseBlocks(output: string): BlockRow[] {
  return output
    .split('\n')
    .filter((line) => /^[0-9A-Z]{26}\s/.test(line))
    .map((line) => {
      const cells = line.trim().split(/\s+/);
      return { minTimeMs: Number(cells[1]), samples: Number(cells[4]), series: Number(cells[6]) };
    });
}

/** Series with at least one sample in each 2 h block (promtool aligns blocks to multiples of 2 h). */
function expectedSeriesPerBlock(series: readonly RawSeries[]): Map<number, number> {
  const perBlock = new Map<number, number>();
  for (const s of series) {
    const blocks = new Set(Array.from(s.timestampsMs, (t) => Math.floor(t / TWO_HOURS_MS) * TWO_HOURS_MS));
    for (const b of blocks) perBlock.set(b, (perBlock.get(b) ?? 0) + 1);
  }
  return perBlock;
}

describe.skipIf(!existsSync(PROMTOOL))('promtool round trip', () => {
  it('promtool tsdb create-blocks-from openmetrics accepts a simulated fleet and keeps every sample', async () => {
    const story = dtenStory(3).scenario;
    // a 5-hour slice at 1-minute scrapes keeps the test small while crossing several 2 h blocks
    const { series } = simulateFleet({ ...story, scrapeIntervalMs: 60_000, startMs: story.startMs - 45 * 60_000 });
    const file = join(dir, 'fleet.om');
    const out = createWriteStream(file);
    await writeOpenMetrics(series, out, { help: { http_client_retries: 'Retries "sent" \\ peer.' } });
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));

    const output = execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', file, join(dir, 'blocks')], { encoding: 'utf8' });
    const blocks = parseBlocks(output);
    const expected = expectedSeriesPerBlock(series);
    expect(blocks.length).toBe(expected.size);
    expect(blocks.reduce((a, b) => a + b.samples, 0)).toBe(series.reduce((a, s) => a + s.values.length, 0));
    for (const block of blocks) expect(block.series).toBe(expected.get(Math.floor(block.minTimeMs / TWO_HOURS_MS) * TWO_HOURS_MS));
  });
});
