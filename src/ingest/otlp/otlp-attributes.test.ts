import { describe, expect, it } from 'vitest';
import { attributeLabels, attributeValueString, resourceLabels } from './otlp-attributes.js';

const NAMES = { instance: 'host', service: 'job' };

describe('attributeValueString', () => {
  it('writes non-string values as the attribute specification says', () => {
    expect(attributeValueString({ intValue: -42 })).toBe('-42');
    expect(attributeValueString({ boolValue: true })).toBe('true');
    expect(attributeValueString({ doubleValue: 1.5 })).toBe('1.5');
    expect(attributeValueString({ bytesValue: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) })).toBe('3q2+7w==');
    expect(attributeValueString({ arrayValue: { values: [{ stringValue: 'a' }, { doubleValue: NaN }, { boolValue: false }, {}] } })).toBe('["a","NaN",false,null]');
    expect(attributeValueString({ kvlistValue: { values: [{ key: 'k', value: { intValue: 1 } }, { key: 'nested', value: { arrayValue: {} } }] } })).toBe('{"k":1,"nested":[]}');
    expect(attributeValueString({})).toBe('');
    expect(attributeValueString(undefined)).toBe('');
  });
});

describe('attributeLabels', () => {
  it('joins every key that sanitises to one name in the order of the original keys', () => {
    const labels = attributeLabels([
      { key: 'a-b', value: { stringValue: '3' } },
      { key: 'a.b', value: { stringValue: '1' } },
      { key: 'a_b', value: { stringValue: '4' } },
      { key: 'a..b', value: { stringValue: '2' } },
      { key: 'c', value: { stringValue: 'x' } },
    ]);
    // Original keys sorted: "a-b" < "a..b" < "a.b" < "a_b".
    expect(labels).toEqual({ a_b: '3;2;1;4', c: 'x' });
  });

  it('drops keys without a usable character and empty values', () => {
    expect(attributeLabels([{ key: '...', value: { stringValue: 'x' } }, { key: 'k', value: { stringValue: '' } }, { key: 'ok', value: { intValue: 0 } }])).toEqual({ ok: '0' });
    expect(attributeLabels(undefined)).toEqual({});
  });
});

describe('resourceLabels', () => {
  it('maps service.name, service.instance.id (before host.name) and service.version to the configured names', () => {
    const resource = {
      attributes: [
        { key: 'host.name', value: { stringValue: 'h-1' } },
        { key: 'service.instance.id', value: { stringValue: 'i-1' } },
        { key: 'service.name', value: { stringValue: 'sync' } },
        { key: 'service.version', value: { stringValue: '2.0' } },
        { key: 'service.namespace', value: { stringValue: 'dten' } },
      ],
    };
    expect(resourceLabels(resource, NAMES)).toEqual({ job: 'sync', host: 'i-1', version: '2.0' });
  });

  it('leaves out what the resource does not say', () => {
    expect(resourceLabels({ attributes: [{ key: 'service.name', value: { stringValue: '' } }] }, NAMES)).toEqual({});
    expect(resourceLabels(undefined, NAMES)).toEqual({});
  });
});
