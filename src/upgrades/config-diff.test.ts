import { describe, expect, it } from 'vitest';
import { diffConfig, sameValue } from './config-diff.js';

describe('diffConfig', () => {
  it('sets only keys whose value differs, comparing by text', () => {
    expect(diffConfig({ set: { a: '1', b: true, c: 3, d: 'new' } }, { a: '1', b: 'true', c: 2 })).toEqual({
      changes: [
        { key: 'c', from: 2, to: 3 },
        { key: 'd', from: null, to: 'new' },
      ],
      notes: [],
    });
  });

  it('turns a rename into a removal of the old key and a setting of the new one', () => {
    const edits = { renamed: [{ from: 'dten.hybrid.enabled', to: 'dten.hybrid.enable' }] };
    expect(diffConfig(edits, { 'dten.hybrid.enabled': 'true' }).changes).toEqual([
      { key: 'dten.hybrid.enabled', from: 'true', to: null, replacedBy: 'dten.hybrid.enable' },
      { key: 'dten.hybrid.enable', from: null, to: 'true', renamedFrom: 'dten.hybrid.enabled' },
    ]);
  });

  it('lets an explicit set of the new key win over the carried value, once', () => {
    const edits = { set: { 'new.key': 'false' }, renamed: [{ from: 'old.key', to: 'new.key' }] };
    expect(diffConfig(edits, { 'old.key': 'true' }).changes).toEqual([
      { key: 'old.key', from: 'true', to: null, replacedBy: 'new.key' },
      { key: 'new.key', from: null, to: 'false', renamedFrom: 'old.key' },
    ]);
  });

  it('notes renames and removals of keys that are not set now', () => {
    expect(diffConfig({ renamed: [{ from: 'x', to: 'y' }], removed: ['z'] }, {})).toEqual({
      changes: [],
      notes: ['config key x (renamed to y) is not set now; nothing to carry over', 'config key z is removed by the package but is not set now'],
    });
  });

  it('removes keys that are set now', () => {
    expect(diffConfig({ removed: ['z'] }, { z: 'on' }).changes).toEqual([{ key: 'z', from: 'on', to: null }]);
  });
});

describe('sameValue', () => {
  it.each([
    ['1', 1, true],
    [true, 'true', true],
    [null, null, true],
    [null, 'null', false],
    ['a', 'b', false],
  ] as const)('%j vs %j → %s', (a, b, same) => {
    expect(sameValue(a, b)).toBe(same);
  });
});
