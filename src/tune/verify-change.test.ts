import { describe, expect, it } from 'vitest';
import { createMemoryMetricsSource } from '../analysis/memory-metrics-source.js';
import { defaultConfig } from '../config/shiftguard-config.js';
import { createRng } from '../detect/random.js';
import type { RawSeries } from '../series/model.js';
import type { DecisionTrigger } from './decision-proposal.js';
import { verificationSettleMs, verifyChange } from './verify-change.js';

const MIN = 60_000;
const CHANGE = Date.parse('2026-04-10T12:00:00Z');
const SCRAPE = 15_000;
const TRIGGER: DecisionTrigger = {
  findingId: '1',
  signal: 'retries',
  labels: { service: 'dten-sync', peer: 'partner' },
  binary: 'dten-sync',
  statistic: { name: 'ratio', baseline: 0.09, after: 0.6, relativeChange: 5.7 },
};

/**
 * Cumulative request and retry counters of 4 instances scraped every 15 s: retries per request
 * `before` until the change and `after` from then on, binomial noise from a fixed seed.
 */
function counters(before: number, after: number, seed: number, untilMs = CHANGE + 12 * MIN, peer = 'partner'): RawSeries[] {
  const rng = createRng(seed);
  const series: RawSeries[] = [];
  for (let i = 0; i < 4; i++) {
    const labels = { service: 'dten-sync', peer, instance: `dten-sync-${i}` };
    const times: number[] = [];
    const requests: number[] = [];
    const retries: number[] = [];
    let req = 0;
    let ret = 0;
    for (let t = CHANGE - 40 * MIN; t <= untilMs; t += SCRAPE) {
      const n = 150 + rng.int(40);
      const ratio = t < CHANGE ? before : after;
      let r = 0;
      // Retries per request as the sum of n Bernoulli draws of ratio/2 over two possible retries.
      for (let k = 0; k < 2 * n; k++) if (rng.next() < ratio / 2) r++;
      req += n;
      ret += r;
      times.push(t);
      requests.push(req);
      retries.push(ret);
    }
    series.push({ name: 'http_client_requests_total', labels, timestampsMs: Float64Array.from(times), values: Float64Array.from(requests), origin: 'test' });
    series.push({ name: 'http_client_retries_total', labels, timestampsMs: Float64Array.from(times), values: Float64Array.from(retries), origin: 'test' });
  }
  return series;
}

async function verify(series: RawSeries[]) {
  const config = defaultConfig();
  return verifyChange(
    { decisionId: '7', flag: 'dten.sync.backoff-v2', trigger: TRIGGER, beforeFromMs: CHANGE - 10 * MIN, changeMs: CHANGE, untilMs: CHANGE + 10 * MIN },
    { config, source: createMemoryMetricsSource(series), now: () => CHANGE + 11 * MIN },
  );
}

describe('verifyChange', () => {
  it('settles a fifth of the window at most, in whole slices', () => {
    const config = defaultConfig();
    expect(verificationSettleMs(config, 10 * MIN)).toBe(2 * MIN);
    expect(verificationSettleMs(config, 60 * MIN)).toBe(5 * MIN);
    expect(verificationSettleMs(config, 30_000)).toBe(MIN);
  });

  it('calls a change better when the answered group improved, with detection statistics', async () => {
    const v = await verify(counters(0.6, 0.15, 1));
    expect(v.outcome).toBe('better');
    expect(v.summary).toMatch(/^better after the change: retries \{service=dten-sync, peer=partner\} improvement \(ratio 0\.[56]\d* → 0\.1[45]\d*\)$/);
    const ratio = v.groups[0]?.statistics.find((s) => s.name === 'ratio');
    expect(ratio?.baseline).toBeCloseTo(0.6, 1);
    expect(ratio?.after).toBeCloseTo(0.15, 1);
    expect(ratio?.pValue).toBeLessThan(0.01);
  });

  it('calls it worse when the group regressed further', async () => {
    const v = await verify(counters(0.6, 0.9, 2));
    expect(v.outcome).toBe('worse');
    expect(v.groups[0]?.verdict).toBe('regression');
  });

  it('calls it no change when nothing moved', async () => {
    const v = await verify(counters(0.6, 0.6, 3));
    expect(v.outcome).toBe('no_change');
  });

  it('is inconclusive without data after the change', async () => {
    const v = await verify(counters(0.6, 0.6, 4, CHANGE - SCRAPE));
    expect(v.outcome).toBe('inconclusive');
  });

  it('keeps a change that fixed the answered group and names a side effect on another group of the service', async () => {
    const v = await verify([...counters(0.6, 0.15, 5), ...counters(0.1, 0.3, 6, CHANGE + 12 * MIN, 'billing')]);
    expect(v.outcome).toBe('better');
    expect(v.summary).toMatch(/; note: retries \{service=dten-sync, peer=billing\} regression/);
  });

  it('reverts a change that helped nothing and hurt another group of the service', async () => {
    const v = await verify([...counters(0.6, 0.6, 7), ...counters(0.1, 0.3, 8, CHANGE + 12 * MIN, 'billing')]);
    expect(v.outcome).toBe('worse');
    expect(v.summary).toMatch(/^worse after the change: retries \{service=dten-sync, peer=billing\} regression .*, while retries \{service=dten-sync, peer=partner\} no_change/);
  });
});
