/**
 * Human-readable rendering of a series identity (`name{a="x",b="y"}`) and of timestamps, for the
 * messages of errors and warnings.
 */
import type { Labels } from './model.js';

/** `name{a="x",b="y"}` with labels sorted by name and values quoted as in the exposition format. */
export function formatSeries(name: string, labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${quoteLabelValue(labels[k] ?? '')}`);
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

function quoteLabelValue(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

/** An epoch-milliseconds timestamp as ISO 8601 UTC (`2026-04-10T12:00:00.000Z`), or `ms` itself when not representable. */
export function formatTimestampMs(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString();
}
