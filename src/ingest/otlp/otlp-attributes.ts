/**
 * OTLP attributes as Prometheus labels. Data point attributes become labels with sanitised names;
 * when two keys sanitise to the same name their values are joined with `;` in the order of the
 * original keys (compatibility specification, "Metric Attributes"). Non-string values are written as
 * the attribute specification says: numbers and booleans in decimal/`true`/`false`, arrays and maps as
 * JSON, bytes as base64. Labels with an empty value are left out (Prometheus reads empty as absent).
 *
 * Of the resource attributes only three become labels: `service.name` → the configured service label,
 * `service.instance.id` (else `host.name`) → the configured instance label, `service.version` →
 * `version`. They win over a data point attribute of the same label name. Every other resource
 * attribute is dropped (no `target_info` series is produced).
 */
import type { Labels } from '../../series/model.js';
import { prometheusLabelName } from './prometheus-naming.js';
import type { OtlpAnyValue, OtlpKeyValue, OtlpResource } from './otlp-wire-types.js';

/** Names of the labels the service and instance resource attributes map to (from configuration `labels`). */
export interface OtlpLabelNames {
  readonly instance: string;
  readonly service: string;
}

/** The label the resource attribute `service.version` maps to. */
export const VERSION_LABEL = 'version';

/** The attribute value as a label value string. */
export function attributeValueString(value: OtlpAnyValue | undefined): string {
  if (value === undefined) return '';
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue).toString('base64');
  if (value.arrayValue !== undefined || value.kvlistValue !== undefined) return JSON.stringify(attributeJson(value));
  return '';
}

function attributeJson(value: OtlpAnyValue | undefined): unknown {
  if (value === undefined) return null;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(attributeJson);
  if (value.kvlistValue !== undefined) {
    return Object.fromEntries((value.kvlistValue.values ?? []).map((kv) => [kv.key ?? '', attributeJson(kv.value)]));
  }
  if (value.intValue !== undefined) return value.intValue;
  if (value.doubleValue !== undefined) return Number.isFinite(value.doubleValue) ? value.doubleValue : String(value.doubleValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue).toString('base64');
  return null;
}

/** Data point attributes as labels (sanitised names, colliding names joined with `;`, empty values dropped). */
export function attributeLabels(attributes: readonly OtlpKeyValue[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const { key = '', value } of attributes ?? []) {
    const name = prometheusLabelName(key);
    const text = attributeValueString(value);
    if (name === '' || text === '') continue;
    if (Object.hasOwn(labels, name)) return joinedAttributeLabels(attributes ?? []);
    labels[name] = text;
  }
  return labels;
}

/** The slow path of {@link attributeLabels} for attribute keys that sanitise to the same label name. */
function joinedAttributeLabels(attributes: readonly OtlpKeyValue[]): Record<string, string> {
  const byName = new Map<string, Array<[string, string]>>();
  for (const { key = '', value } of attributes) {
    const name = prometheusLabelName(key);
    const text = attributeValueString(value);
    if (name === '' || text === '') continue;
    const entries = byName.get(name);
    if (entries === undefined) byName.set(name, [[key, text]]);
    else entries.push([key, text]);
  }
  const labels: Record<string, string> = {};
  for (const [name, entries] of byName) {
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    labels[name] = entries.map(([, text]) => text).join(';');
  }
  return labels;
}

/** The labels a resource contributes to every series under it (see the module header). */
export function resourceLabels(resource: OtlpResource | undefined, names: OtlpLabelNames): Labels {
  const values = new Map<string, string>();
  for (const { key, value } of resource?.attributes ?? []) {
    if (key !== undefined) values.set(key, attributeValueString(value));
  }
  const labels: Record<string, string> = {};
  const service = values.get('service.name') ?? '';
  const instance = values.get('service.instance.id') || values.get('host.name') || '';
  const version = values.get('service.version') ?? '';
  if (service !== '') labels[names.service] = service;
  if (instance !== '') labels[names.instance] = instance;
  if (version !== '') labels[VERSION_LABEL] = version;
  return labels;
}
