/**
 * The error every failure of the Prometheus HTTP API reader is reported with: it names the server,
 * the request that failed (endpoint and PromQL) and what went wrong.
 */

/** A failed request to a Prometheus-compatible API (connection, timeout, HTTP, PromQL or response error). */
export class PrometheusQueryError extends Error {
  /** Base URL of the Prometheus-compatible API, as normalised (`http://host:9090/`). */
  readonly url: string;
  /** The request that failed: endpoint and query, e.g. `query_range http_client_retries_total`. */
  readonly query: string;
  /** HTTP status of the response, when one was received. */
  readonly status: number | undefined;
  /** What went wrong, without the place prefix. */
  readonly reason: string;

  constructor(url: string, query: string, reason: string, status?: number) {
    super(`Prometheus at ${url}: ${reason}${query === '' ? '' : ` while running ${query}`}`);
    this.name = 'PrometheusQueryError';
    this.url = url;
    this.query = query;
    this.reason = reason;
    this.status = status;
  }
}
