import { describe, expect, it } from 'vitest';
import { assignSequentialVerdicts, confidenceSequenceRadius, gaussianized, logMixtureEValue, MIXTURE_TAU } from './sequential.js';
import { createRng } from './random.js';
import type { Rng } from './random.js';
import { normalCdf, tCdf } from './stats/student-t.js';
import type { GroupDetection, StatisticResult } from './statistic.js';

/** The mixture likelihood ratio by direct numerical integration over the N(0, tau²) prior. */
function integratedEValue(estimate: number, se: number, tau: number): number {
  const steps = 20_000;
  const lo = -12 * tau;
  const h = (24 * tau) / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const theta = lo + i * h;
    const weight = i === 0 || i === steps ? 0.5 : 1;
    const prior = Math.exp(-(theta * theta) / (2 * tau * tau)) / (tau * Math.sqrt(2 * Math.PI));
    const ratio = Math.exp((theta * estimate) / (se * se) - (theta * theta) / (2 * se * se));
    sum += weight * prior * ratio;
  }
  return sum * h;
}

function normal(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

describe('logMixtureEValue', () => {
  it.each([
    [0, 0.1],
    [0.05, 0.1],
    [-0.3, 0.2],
    [0.4, 0.05],
  ])('matches numerical integration of the likelihood ratio (estimate %f, se %f)', (estimate, se) => {
    const closed = Math.exp(logMixtureEValue({ estimate, standardError: se, degreesOfFreedom: Infinity }));
    const integrated = integratedEValue(estimate, se, MIXTURE_TAU);
    expect(Math.abs(closed / integrated - 1)).toBeLessThan(1e-9);
  });

  it('has expectation 1 under no change (an e-value), by quadrature over z', () => {
    for (const se of [0.02, 0.1, 0.5]) {
      // The integrand decays like exp(−z²/(2(1 + tau²/se²))): integrate far enough out.
      const reach = 12 * Math.sqrt(1 + (MIXTURE_TAU * MIXTURE_TAU) / (se * se));
      const h = reach / 20_000;
      let mean = 0;
      for (let z = -reach; z <= reach; z += h) {
        const logDensity = -(z * z) / 2 - 0.5 * Math.log(2 * Math.PI);
        mean += Math.exp(logDensity + logMixtureEValue({ estimate: z * se, standardError: se, degreesOfFreedom: Infinity })) * h;
      }
      expect(mean).toBeCloseTo(1, 3);
    }
  });

  it('is NaN when the effect cannot be estimated', () => {
    expect(logMixtureEValue({ estimate: NaN, standardError: 0.1, degreesOfFreedom: 10 })).toBeNaN();
    expect(logMixtureEValue({ estimate: 0.1, standardError: 0, degreesOfFreedom: 10 })).toBeNaN();
  });

  it('crosses 1/a at any look with probability at most a on a Gaussian random walk (Ville)', () => {
    const rng = createRng(7);
    const paths = 4000;
    const looks = 200;
    const a = 0.1;
    let crossed = 0;
    for (let p = 0; p < paths; p++) {
      let sum = 0;
      for (let k = 1; k <= looks; k++) {
        sum += normal(rng) * 0.2; // per-slice log effects with sd 0.2
        const se = 0.2 / Math.sqrt(k);
        if (logMixtureEValue({ estimate: sum / k, standardError: se, degreesOfFreedom: Infinity }) >= Math.log(1 / a)) {
          crossed++;
          break;
        }
      }
    }
    // Ville bounds the rate by a; sampling error at 4000 paths is about 0.005.
    expect(crossed / paths).toBeLessThanOrEqual(a + 0.015);
    // The boundary is not vacuous: a fixed-horizon test looked at 200 times would cross far more often.
    expect(crossed / paths).toBeGreaterThan(0.01);
  });
});

describe('gaussianized', () => {
  it('keeps the tail probability of t with few degrees of freedom', () => {
    for (const [t, df] of [[2.5, 4], [-3, 7], [1, 2]] as const) {
      const z = gaussianized(t, df);
      expect(normalCdf(-Math.abs(z))).toBeCloseTo(tCdf(-Math.abs(t), df), 12);
      expect(Math.sign(z)).toBe(Math.sign(t));
    }
  });

  it('is the identity for a normal statistic', () => {
    expect(gaussianized(1.7, Infinity)).toBe(1.7);
  });
});

describe('confidenceSequenceRadius', () => {
  it('is where the e-value of the shifted estimate reaches 1/level', () => {
    const se = 0.08;
    const radius = confidenceSequenceRadius(se, 0.05);
    const logE = logMixtureEValue({ estimate: radius, standardError: se, degreesOfFreedom: Infinity });
    expect(logE).toBeCloseTo(Math.log(1 / 0.05), 9);
  });

  it('is wider than the fixed-horizon interval (the price of looking at every slice)', () => {
    expect(confidenceSequenceRadius(0.1, 0.05)).toBeGreaterThan(1.96 * 0.1);
  });
});

function statistic(name: string, estimate: number, se: number, relativeChange: number): StatisticResult {
  return {
    name,
    baseline: 1,
    after: 1 + relativeChange,
    relativeChange,
    ci: [relativeChange - 0.1, relativeChange + 0.1],
    absoluteChange: relativeChange,
    pValue: 0,
    qValue: NaN,
    test: 'rate ratio t-test',
    design: 'before-after',
    verdict: 'no_change',
    testEffect: { estimate, standardError: se, degreesOfFreedom: 30 },
  };
}

function group(statistics: StatisticResult[]): GroupDetection {
  return { design: 'before-after', statistics, onsetPanels: statistics.map(() => null), minRelativeChange: 0.05, minAbsoluteChange: 0, notes: [] };
}

describe('assignSequentialVerdicts', () => {
  it('needs an e-value of m/alpha over the m tests of the upgrade', () => {
    // z = 5 with se 0.1: e ≈ 1.2e4 (log ≈ 9.4): enough for m = 2 at alpha 0.01 (200), not for m = 200.
    const strong = () => group([statistic('ratio', 0.5, 0.1, 0.6)]);
    const few = [strong(), group([statistic('ratio', 0, 0.1, 0)])];
    expect(assignSequentialVerdicts(few, 0.01, 0.95)).toEqual(['regression', 'no_change']);
    const many = [strong(), ...Array.from({ length: 199 }, () => group([statistic('ratio', 0, 0.1, 0)]))];
    expect(assignSequentialVerdicts(many, 0.01, 0.95)[0]).toBe('no_change');
  });

  it('reports the anytime-valid p-value, the Bonferroni q-value and a widened interval', () => {
    const g = group([statistic('ratio', 0.3, 0.1, 0.35)]);
    assignSequentialVerdicts([g, group([statistic('ratio', 0, 0.1, 0)])], 0.01, 0.95);
    const s = g.statistics[0];
    const e = Math.exp(logMixtureEValue({ estimate: 0.3, standardError: 0.1, degreesOfFreedom: 30 }));
    expect(s?.pValue).toBeCloseTo(1 / e, 12);
    expect(s?.qValue).toBeCloseTo(2 / e, 12);
    expect((s?.ci[0] ?? NaN) < 0.25 && (s?.ci[1] ?? NaN) > 0.45).toBe(true);
    expect(s?.test).toContain('anytime-valid');
  });

  it('keeps practical thresholds: a significant but tiny change is no regression', () => {
    const g = group([statistic('ratio', 0.03, 0.001, 0.03)]);
    expect(assignSequentialVerdicts([g], 0.01, 0.95)).toEqual(['no_change']);
    expect(g.statistics[0]?.reason).toContain('practical threshold');
  });

  it('leaves untestable statistics inconclusive', () => {
    const s: StatisticResult = { ...statistic('p99', NaN, NaN, NaN), verdict: 'inconclusive', reason: 'only 2 slices' };
    expect(assignSequentialVerdicts([group([s])], 0.01, 0.95)).toEqual(['inconclusive']);
  });
});
