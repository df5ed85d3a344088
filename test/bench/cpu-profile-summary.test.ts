import { describe, expect, it } from 'vitest';
import { formatProfileSummary, summarizeCpuProfile } from './cpu-profile-summary.js';

const ROOT = 'file:///repo/';

function frame(functionName: string, url: string, lineNumber: number): { functionName: string; url: string; lineNumber: number } {
  return { functionName, url, lineNumber };
}

/** (root) -> main -> parse -> parse (recursion), main -> (anonymous) in another file; plus the GC. */
const PROFILE = {
  nodes: [
    { id: 1, callFrame: frame('(root)', '', -1), children: [2, 6] },
    { id: 2, callFrame: frame('main', `${ROOT}dist/main.js`, 0), children: [3, 5] },
    { id: 3, callFrame: frame('parse', `${ROOT}dist/parser.js`, 9), children: [4] },
    { id: 4, callFrame: frame('parse', `${ROOT}dist/parser.js`, 9) },
    { id: 5, callFrame: frame('', `${ROOT}dist/report.js`, 2) },
    { id: 6, callFrame: frame('(garbage collector)', '', -1) },
  ],
  samples: [3, 4, 4, 5, 6, 2],
  timeDeltas: [1000, 2000, 3000, 500, 1500, 2000],
};

describe('summarizeCpuProfile', () => {
  const summary = summarizeCpuProfile(PROFILE, 'p.cpuprofile', ROOT);
  const fn = (name: string) => summary.byFunction.find((e) => e.name === name);

  it('adds the time deltas (µs) of all samples, in ms', () => {
    expect(summary.sampledMs).toBe(10);
  });

  it('charges self time to the top frame and total time once per function on the stack', () => {
    expect(fn('parse')).toEqual({ name: 'parse', location: 'dist/parser.js:10', selfMs: 6, totalMs: 6 });
    expect(fn('main')).toEqual({ name: 'main', location: 'dist/main.js:1', selfMs: 2, totalMs: 8.5 });
    expect(fn('(anonymous)')).toEqual({ name: '(anonymous)', location: 'dist/report.js:3', selfMs: 0.5, totalMs: 0.5 });
    expect(fn('(garbage collector)')?.location).toBe('(native)');
    expect(summary.byFunction[0]?.name).toBe('parse');
  });

  it('groups self time by file, native frames apart', () => {
    expect(summary.byFile.map((e) => [e.location, e.selfMs])).toEqual([
      ['dist/parser.js', 6],
      ['dist/main.js', 2],
      ['(native)', 1.5],
      ['dist/report.js', 0.5],
    ]);
  });

  it('keeps full URLs outside the root', () => {
    expect(summarizeCpuProfile(PROFILE, 'p', 'file:///elsewhere/').byFile[0]?.location).toBe(`${ROOT}dist/parser.js`);
  });

  it('formats percentages of the sampled time', () => {
    const text = formatProfileSummary(summary, 2);
    expect(text).toContain('sampled 0.01 s of CPU');
    expect(text).toContain(' 60.0% self  60.0% total  parse  dist/parser.js:10');
    expect(text).toContain(' 20.0%  dist/main.js');
    expect(text).not.toContain('report.js');
  });

  it('refuses what is not a CPU profile, naming the source', () => {
    expect(() => summarizeCpuProfile({ nodes: [] }, 'x.json')).toThrow('x.json: expected a V8 CPU profile');
    expect(() => summarizeCpuProfile({ ...PROFILE, timeDeltas: [1] }, 'x.json')).toThrow('x.json: expected as many timeDeltas as samples, got 1 and 6');
    expect(() => summarizeCpuProfile({ ...PROFILE, samples: [3, 4, 4, 5, 6, 99] }, 'x.json')).toThrow('x.json: sample 5 refers to node 99');
  });
});
