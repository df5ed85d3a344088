/**
 * Collects the requested series of one file-ingest run across files: one builder per canonical
 * series (name + sorted labels), each holding one sample segment per file/spelling. `finish` merges
 * them into sorted RawSeries and reports counter resets.
 */
import { formatSeries } from '../series/format-series.js';
import { labelsKey } from '../series/model.js';
import type { Labels, RawSeries } from '../series/model.js';
import { mergeSegments } from './merge-segments.js';
import { SampleSegment } from './sample-segment.js';
import type { WarningCollector } from './warning-collector.js';

interface SeriesBuilder {
  readonly key: string;
  readonly name: string;
  readonly labels: Labels;
  readonly cumulative: boolean;
  readonly origin: string;
  readonly segments: SampleSegment[];
}

/** Builders of all requested series seen so far, keyed by canonical identity. */
export class SeriesAccumulator {
  private readonly builders = new Map<string, SeriesBuilder>();

  /**
   * A new segment for the series `name{labels}` read from `file` (first seen at `line`). Series
   * read from several files, or spelled differently, share one builder and are merged at the end.
   */
  segmentFor(name: string, labels: Labels, cumulative: boolean, file: string, line: number): SampleSegment {
    const key = `${name}{${labelsKey(labels)}}`;
    let builder = this.builders.get(key);
    if (builder === undefined) {
      builder = { key, name, labels, cumulative, origin: `${file}:${line}`, segments: [] };
      this.builders.set(key, builder);
    }
    const segment = new SampleSegment(file);
    builder.segments.push(segment);
    return segment;
  }

  /**
   * Merged, time-sorted series (sorted by identity for determinism), skipping series with no sample
   * in range. Counter resets of cumulative series are reported to `warnings`, one entry per series.
   */
  finish(warnings: WarningCollector): RawSeries[] {
    const out: RawSeries[] = [];
    const builders = [...this.builders.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const b of builders) {
      const display = (): string => formatSeries(b.name, b.labels);
      const merged = mergeSegments(display, b.segments);
      if (merged.timestampsMs.length === 0) continue;
      if (b.cumulative) reportResets(warnings, display, b.origin, merged.values);
      out.push({ name: b.name, labels: b.labels, timestampsMs: merged.timestampsMs, values: merged.values, origin: b.origin });
    }
    return out;
  }
}

function reportResets(warnings: WarningCollector, display: () => string, origin: string, values: Float64Array): void {
  let resets = 0;
  for (let i = 1; i < values.length; i++) {
    if ((values[i] ?? 0) < (values[i - 1] ?? 0)) resets++;
  }
  if (resets === 0) return;
  warnings.add(
    'counter-reset',
    'counter resets (each treated as a restart from 0, as rate() does)',
    'series',
    `${display()} ×${resets} (first seen at ${origin})`,
  );
}
