/**
 * Runs one Prometheus API request end to end for the reader: sends it, decodes its data (a
 * malformed shape becomes a {@link PrometheusQueryError} with the JSON path), and passes the
 * response's `warnings` on, deduplicated, naming the server and the request.
 */
import type { PrometheusClient } from './prometheus-client.js';
import { ResponseShapeError } from './prometheus-json.js';
import { PrometheusQueryError } from './prometheus-query-error.js';

/** Sends requests and decodes their data; collects API warnings. */
export interface QueryRunner {
  run<T>(method: 'GET' | 'POST', endpoint: string, params: Record<string, string>, label: string, decode: (data: unknown) => T): Promise<T>;
  /** Adds a warning of the reader itself (e.g. a metric without series). */
  warn(message: string): void;
  /** Every warning so far, in order of first occurrence, without duplicates. */
  warnings(): string[];
}

/** Creates a {@link QueryRunner} over `client`. */
export function createQueryRunner(client: PrometheusClient): QueryRunner {
  const seen = new Set<string>();
  const warn = (message: string): void => {
    seen.add(message);
  };
  return {
    async run(method, endpoint, params, label, decode) {
      const result = await client.request(method, endpoint, new URLSearchParams(params), label);
      for (const w of result.warnings) warn(`Prometheus at ${client.url}: ${w} (while running ${label})`);
      try {
        return decode(result.data);
      } catch (error) {
        if (error instanceof ResponseShapeError) throw new PrometheusQueryError(client.url, label, error.message);
        throw error;
      }
    },
    warn,
    warnings: () => [...seen],
  };
}

/** Epoch ms as the API's float seconds with millisecond precision (`1775822400.000`). */
export function toApiSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
