/**
 * Name rules for metrics and labels: the classic Prometheus character sets, plus `.` so that
 * OpenTelemetry names (`http.server.request.duration`) are accepted as Prometheus 3 accepts them.
 */

/** A metric name: `[a-zA-Z_:][a-zA-Z0-9_:.]*`. */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:.]*$/;

/** A label name: `[a-zA-Z_][a-zA-Z0-9_.]*`. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_.]*$/;
