import { describe, expect, it } from 'vitest';
import type { RawSeries } from '../series/model.js';
import { buildInfoHistory, compareText, instanceServicesOf } from './build-info-history.js';

const series = (name: string, labels: Record<string, string>, points: [number, number][]): RawSeries => ({
  name,
  labels,
  timestampsMs: Float64Array.from(points.map(([t]) => t)),
  values: Float64Array.from(points.map(([, v]) => v)),
  origin: 'test',
});

const labels = { metric: 'build_info', binaryLabel: 'binary', versionLabel: 'version', instanceLabel: 'instance', serviceLabel: 'service' };

describe('buildInfoHistory', () => {
  it('leaves out binaries whose samples are all zero or stale', () => {
    const history = buildInfoHistory([series('build_info', { binary: 'z', version: '1', instance: 'i' }, [[10, 0]])], labels);
    expect(history.size).toBe(0);
  });

  it('merges the version series of each instance in time order and collects services', () => {
    const history = buildInfoHistory(
      [
        series('build_info', { binary: 'b', version: '2', instance: 'i', service: 's' }, [[30, 1], [40, 1]]),
        series('build_info', { binary: 'b', version: '1', instance: 'i', service: 's' }, [[10, 1], [20, 1], [30, 1]]),
        series('build_info', { binary: 'b', version: '1', instance: 'j' }, [[10, 0], [20, Number.NaN]]),
        series('build_info', { binary: 'b', instance: 'k' }, [[10, 1]]),
        series('other', { binary: 'b', version: '1', instance: 'm' }, [[10, 1]]),
      ],
      labels,
    );
    const b = history.get('b');
    expect(b?.samplesByInstance.get('i')).toEqual([
      { tMs: 10, version: '1' },
      { tMs: 20, version: '1' },
      { tMs: 30, version: '1' },
      { tMs: 30, version: '2' },
      { tMs: 40, version: '2' },
    ]);
    expect([...(b?.samplesByInstance.keys() ?? [])]).toEqual(['i']);
    expect([...(b?.services ?? [])]).toEqual(['s']);
  });
});

describe('instanceServicesOf', () => {
  it('maps instances to the service label values of their series', () => {
    const result = instanceServicesOf(
      [series('x', { instance: 'a', service: 's1' }, []), series('y', { instance: 'a', service: 's2' }, []), series('z', { instance: 'b' }, [])],
      'instance',
      'service',
    );
    expect(result).toEqual(new Map([['a', new Set(['s1', 's2'])]]));
  });
});

describe('compareText', () => {
  it('orders numbers inside names naturally', () => {
    expect(['gw-10', 'gw-2', 'gw-1'].sort(compareText)).toEqual(['gw-1', 'gw-2', 'gw-10']);
  });
});
