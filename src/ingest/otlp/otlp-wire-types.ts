/**
 * The OTLP metrics request as plain objects, the one shape both readers produce: the protobuf reader
 * (protobufjs `toObject`) and the JSON reader (schema-checked OTLP/JSON). Field names are the
 * lowerCamelCase names of the `.proto` files in `proto/`; absent fields are left out (proto3 defaults
 * apply: 0, false, ""), enums are numbers, bytes are Uint8Array, and 64-bit integers are numbers:
 * exact below 2^53, which counts never reach; nanosecond timestamps (about 1.8e18) come within 128 ns,
 * far below the millisecond the ingest model keeps. An int64 attribute value beyond 2^53 loses its last
 * digits in the label (both encodings alike, so one request maps the same either way). Converting
 * 64-bit fields to numbers rather than decimal strings makes protobufjs' `toObject` six times faster.
 * These wire types never leave `ingest/otlp/`.
 */

export interface OtlpAnyValue {
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: number;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values?: readonly OtlpAnyValue[] };
  readonly kvlistValue?: { readonly values?: readonly OtlpKeyValue[] };
  readonly bytesValue?: Uint8Array;
}

export interface OtlpKeyValue {
  readonly key?: string;
  readonly value?: OtlpAnyValue;
}

export interface OtlpResource {
  readonly attributes?: readonly OtlpKeyValue[];
}

export interface OtlpExportRequest {
  readonly resourceMetrics?: readonly OtlpResourceMetrics[];
}

export interface OtlpResourceMetrics {
  readonly resource?: OtlpResource;
  readonly scopeMetrics?: readonly OtlpScopeMetrics[];
}

export interface OtlpScopeMetrics {
  readonly metrics?: readonly OtlpMetric[];
}

export interface OtlpMetric {
  readonly name?: string;
  readonly unit?: string;
  readonly gauge?: { readonly dataPoints?: readonly OtlpNumberDataPoint[] };
  readonly sum?: OtlpSum;
  readonly histogram?: { readonly dataPoints?: readonly OtlpHistogramDataPoint[]; readonly aggregationTemporality?: number };
  readonly exponentialHistogram?: {
    readonly dataPoints?: readonly OtlpExponentialHistogramDataPoint[];
    readonly aggregationTemporality?: number;
  };
  readonly summary?: { readonly dataPoints?: readonly unknown[] };
}

export interface OtlpSum {
  readonly dataPoints?: readonly OtlpNumberDataPoint[];
  readonly aggregationTemporality?: number;
  readonly isMonotonic?: boolean;
}

/** Fields every data point kind shares. */
export interface OtlpPointBase {
  readonly attributes?: readonly OtlpKeyValue[];
  /** fixed64 nanoseconds since the Unix epoch; absent or 0 means unknown. */
  readonly timeUnixNano?: number;
  readonly flags?: number;
}

export interface OtlpNumberDataPoint extends OtlpPointBase {
  readonly asDouble?: number;
  readonly asInt?: number;
}

export interface OtlpHistogramDataPoint extends OtlpPointBase {
  readonly count?: number;
  readonly sum?: number;
  readonly bucketCounts?: readonly number[];
  readonly explicitBounds?: readonly number[];
}

export interface OtlpExponentialBuckets {
  readonly offset?: number;
  readonly bucketCounts?: readonly number[];
}

export interface OtlpExponentialHistogramDataPoint extends OtlpPointBase {
  readonly count?: number;
  readonly sum?: number;
  readonly scale?: number;
  readonly zeroCount?: number;
  readonly zeroThreshold?: number;
  readonly positive?: OtlpExponentialBuckets;
  readonly negative?: OtlpExponentialBuckets;
}

/** `AggregationTemporality` enum values. */
export const AGGREGATION_TEMPORALITY_DELTA = 1;
export const AGGREGATION_TEMPORALITY_CUMULATIVE = 2;

/** Bit of a data point's `flags` that marks a point without a recorded value (a staleness marker). */
export const FLAG_NO_RECORDED_VALUE = 1;
