import { describe, expect, it } from 'vitest';
import { cadenceLimitMs, detectionCadence, evaluationPeriodMs, eventLoopLag, soakChecks } from './soak-figures.js';
import type { SoakFigures } from './soak-figures.js';
import { formatProgress, formatSoakReport } from './soak-report.js';
import { emptyTally } from './soak-sender.js';
import type { ServeReading } from './soak-watch.js';

function reading(atMs: number, evaluations: number, lag: number | null = 0.01): ServeReading {
  return {
    atMs,
    evaluationsOk: evaluations,
    evaluationsError: 0,
    analyses: evaluations,
    analysisSeconds: evaluations / 10,
    ingestedRemoteWrite: 0,
    ingestedOtlp: 0,
    rejected: 0,
    overloaded: 0,
    overloadedByReason: {},
    failedPushes: 0,
    storeBytes: 1e6,
    storeBudgetBytes: 768 << 20,
    activeSeries: 10,
    lagMaxSeconds: lag,
    lagP99Seconds: lag,
    rssBytes: 1e8,
    peakRssBytes: 1e8,
    cpuSeconds: 1,
  };
}

describe('evaluationPeriodMs and cadenceLimitMs', () => {
  it('follow the monitor: a slice evaluated delay + 1 s after its end, on the newest complete slice', () => {
    expect(evaluationPeriodMs(2000)).toBe(2000);
    expect(evaluationPeriodMs(60_000)).toBe(60_000);
    expect(evaluationPeriodMs(1000)).toBe(2000);
    expect(evaluationPeriodMs(500)).toBe(1500);
    expect(cadenceLimitMs(2000, 1000, 1000)).toBe(6000);
  });
});

describe('detectionCadence', () => {
  it('counts evaluations in the load and the largest gap between readings that saw the counter grow, the edges included', () => {
    const readings = [reading(500, 3), reading(1000, 3), reading(2000, 4), reading(3000, 4), reading(4000, 5), reading(9000, 6), reading(10_000, 6), reading(11_000, 9)];
    const cadence = detectionCadence(readings, 1000, 10_000, 2000);
    expect(cadence).toEqual({ sliceMs: 2000, evaluations: 3, perMinute: 20, periodMs: 2000, expectedPerMinute: 30, maxGapMs: 5000 });
    expect(detectionCadence(readings, 1000, 13_000, 2000).maxGapMs).toBe(5000);
    expect(detectionCadence([reading(0, 1), reading(8000, 1)], 0, 8000, 2000)).toMatchObject({ evaluations: 0, maxGapMs: 8000 });
  });
});

describe('eventLoopLag', () => {
  it('takes the largest delay and the median of the per-reading 99th percentiles', () => {
    expect(eventLoopLag([reading(0, 0, 0.1), reading(1, 0, 0.5), reading(2, 0, 0.2)])).toEqual({ maxSeconds: 0.5, medianP99Seconds: 0.2 });
    expect(eventLoopLag([reading(0, 0, null)])).toBeNull();
  });
});

/** Figures of a soak where every property held. */
function healthy(): SoakFigures {
  const tally = (accepted: number) => ({ ...emptyTally(), requests: 12, ok: 10, overloaded: 2, overloadedWithRetryAfter: 2, samplesSent: accepted, samplesAccepted: accepted });
  return {
    loadSeconds: 20,
    concurrency: 204,
    remoteWrite: { offeredSamples: 1e8, tally: tally(20_000), ingestedSamples: 20_000 },
    otlp: { offeredSamples: 2400, tally: tally(300), ingestedSamples: 300 },
    serverOverloaded: 4,
    serverOverloadedByReason: { in_flight: 3, memory_budget: 0, event_loop: 0, detection: 1 },
    serverRejected: 0,
    serverFailedPushes: 0,
    memory: { budgetBytes: 805e6, allowanceBytes: 268e6, idleRssBytes: 9e7, peakRssBytes: 4e8, maxStoreBytes: 1.5e8, activeSeries: 10_000 },
    lag: { maxSeconds: 1.1, medianP99Seconds: 0.2 },
    cadence: { sliceMs: 1000, evaluations: 10, perMinute: 30, periodMs: 2000, expectedPerMinute: 30, maxGapMs: 3000 },
    cadenceLimitMs: 6000,
    evaluationErrors: 0,
    meanAnalysisSeconds: 0.2,
    readback: { asOf: '2026-04-10T12:00:00.000Z', groups: 9, groupsWithFigures: 9, mismatches: [] },
    referenceRejected: 0,
    after: { readyzStatus: 200, remoteWrite: { status: 204, samples: 2000, ingestedSamples: 2000 }, otlp: { status: 200, samples: 30, ingestedSamples: 30 } },
    watchFailures: 0,
  };
}

const failing = (f: SoakFigures): string[] => soakChecks(f).filter((c) => !c.ok).map((c) => c.name);

describe('soakChecks', () => {
  it('pass when every property held', () => {
    expect(failing(healthy())).toEqual([]);
  });

  it('each fail on the defect they are about', () => {
    const f = healthy();
    const noRetryAfter = { ...f.remoteWrite, tally: { ...f.remoteWrite.tally, overloadedWithRetryAfter: 1 } };
    const other = { ...f.otlp, tally: { ...f.otlp.tally, other: { 500: 1 } } };
    expect(failing({ ...f, remoteWrite: { ...f.remoteWrite, tally: { ...f.remoteWrite.tally, overloaded: 0, overloadedWithRetryAfter: 0 } }, otlp: { ...f.otlp, tally: { ...f.otlp.tally, overloaded: 0, overloadedWithRetryAfter: 0 } }, serverOverloaded: 0 })).toEqual(['overload is answered 503']);
    expect(failing({ ...f, remoteWrite: noRetryAfter })).toEqual(['every 503 carries Retry-After']);
    expect(failing({ ...f, serverOverloaded: 3 })).toEqual(['serve counted the same 503s']);
    expect(failing({ ...f, otlp: other })).toEqual(['no other answer than 2xx and 503']);
    expect(failing({ ...f, remoteWrite: { ...f.remoteWrite, ingestedSamples: 19_999 } })).toEqual(['every sample answered 2xx was stored (counters)']);
    expect(failing({ ...f, serverRejected: 1 })).toEqual(['every sample answered 2xx was stored (counters)']);
    expect(failing({ ...f, readback: { ...f.readback, mismatches: ['latency {…}: serve … vs reference …'] } as SoakFigures['readback'] })).toEqual(['every sample answered 2xx was stored (read-back)']);
    expect(failing({ ...f, readback: { asOf: 'x', groups: 9, groupsWithFigures: 0, mismatches: [] } })).toEqual(['every sample answered 2xx was stored (read-back)']);
    expect(failing({ ...f, readback: { error: 'GET report answered 500' } })).toEqual(['every sample answered 2xx was stored (read-back)']);
    expect(failing({ ...f, memory: { ...f.memory, peakRssBytes: 1.08e9 } })).toEqual(['memory stays under its budget']);
    expect(failing({ ...f, cadence: { ...f.cadence, maxGapMs: 6001 } })).toEqual(['detection keeps its cadence']);
    expect(failing({ ...f, evaluationErrors: 1 })).toEqual(['detection keeps its cadence']);
    expect(failing({ ...f, after: { ...f.after, remoteWrite: { status: 204, samples: 2000, ingestedSamples: 1960 } } })).toEqual(['after the load: ready, and a fresh push is stored']);
    expect(failing({ ...f, after: { ...f.after, readyzStatus: 503 } })).toEqual(['after the load: ready, and a fresh push is stored']);
  });

  it('expect no 503 from fewer pushers than serve admits at once', () => {
    const f = healthy();
    const calm = { ...f, concurrency: 8, serverOverloaded: 0, remoteWrite: { ...f.remoteWrite, tally: { ...f.remoteWrite.tally, overloaded: 0, overloadedWithRetryAfter: 0 } }, otlp: { ...f.otlp, tally: { ...f.otlp.tally, overloaded: 0, overloadedWithRetryAfter: 0 } } };
    expect(failing(calm)).toEqual([]);
  });
});

describe('formatSoakReport', () => {
  it('prints the rates, answers, memory, cadence and one PASS or FAIL line per check', () => {
    const f = healthy();
    const plan = { durationMs: 20_000, multiplier: 10, baseSamplesPerSecond: 600_000, offeredSamplesPerSecond: 6_000_000, shards: 200, series: 10_080, windows: { sliceMs: 1000, delayMs: 1000, baselineMs: 6000, settleMs: 1000, afterMs: 72_000 }, upgradeOffsetMs: 7000 };
    const text = formatSoakReport(plan, f, soakChecks({ ...f, evaluationErrors: 1 }));
    expect(text).toContain("10x the benchmark's sustained rate (600000 samples/s) = 6000000 remote-write samples/s offered");
    expect(text).toMatch(/remote-write\s+5\.00M\s+1000\s+1000\s+12\s+10\s+2\s+2\s+0\s+0\s+0\s+0\s+20000 = 20000/);
    expect(text).toContain('peak 400.0 MB (VmHWM)');
    expect(text).toContain('one evaluation every 2 s = 30/min');
    expect(text).toContain('PASS: every 503 carries Retry-After: 4 of 4');
    expect(text).toContain('4 overload 503s (in_flight 3, memory_budget 0, event_loop 0, detection 1)');
    expect(text).toContain('FAIL: detection keeps its cadence');
  });
});

describe('formatProgress', () => {
  it('gives the rates since the previous point, the answers so far and the latest reading', () => {
    const tally = { ...emptyTally(), ok: 90, overloaded: 9, overloadedWithRetryAfter: 9, noAnswer: 1, samplesAccepted: 3_000_000 };
    const previous = { atMs: 10_000, offeredSamples: 0, remoteWrite: emptyTally(), otlp: emptyTally(), reading: null };
    const point = { atMs: 20_000, offeredSamples: 60_000_000, remoteWrite: tally, otlp: { ...emptyTally(), ok: 40, samplesAccepted: 1200 }, reading: reading(20_000, 5, 0.25) };
    expect(formatProgress(10_000, previous, point)).toBe(
      'soak +10 s: offered 6.00M/s, accepted remote-write 300.0k/s, OTLP 120/s; 2xx 130, 503 9 (9 with Retry-After), other 0, no answer 1; RSS 100.0 MB (peak 100.0), store 1.0 MB, 5 evaluations, lag max 0.250 s',
    );
  });
});
