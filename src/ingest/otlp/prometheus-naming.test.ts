import { describe, expect, it } from 'vitest';
import { prometheusLabelName, prometheusMetricName, prometheusUnit } from './prometheus-naming.js';

describe('prometheusMetricName', () => {
  it.each([
    ['http.server.request.duration', 's', 'histogram', 'http_server_request_duration_seconds'],
    ['http.client.requests', '{request}', 'counter', 'http_client_requests_total'],
    ['http.client.retries', '', 'counter', 'http_client_retries_total'],
    ['http_client_requests_total', '', 'counter', 'http_client_requests_total'],
    ['process.cpu.time', 's', 'counter', 'process_cpu_time_seconds_total'],
    ['system.memory.usage', 'By', 'gauge', 'system_memory_usage_bytes'],
    ['system.memory.utilization', '1', 'gauge', 'system_memory_utilization_ratio'],
    ['queue.items.processed', '1', 'counter', 'queue_items_processed_total'],
    ['network.io', 'By/s', 'gauge', 'network_io_bytes_per_second'],
    ['requests.rate', '{request}/s', 'gauge', 'requests_rate_per_second'],
    ['rpc.duration', 'ms', 'histogram', 'rpc_duration_milliseconds'],
    ['db.latency.seconds', 's', 'histogram', 'db_latency_seconds'],
    ['temperature', 'Cel', 'gauge', 'temperature_celsius'],
    ['disk.ops', 'packets', 'counter', 'disk_ops_packets_total'],
    ['(lambda).function.executions(#)', '', 'counter', '_lambda_function_executions_total'],
    ['foo..bar--baz', '', 'gauge', 'foo_bar_baz'],
    ['2xx.responses', '', 'counter', '_2xx_responses_total'],
    ['ns:metric.name', '', 'gauge', 'ns:metric_name'],
  ] as const)('%s [%s] as %s → %s', (name, unit, kind, expected) => {
    expect(prometheusMetricName(name, unit, kind)).toBe(expected);
  });
});

describe('prometheusUnit', () => {
  it('drops annotations in braces and spells out abbreviations', () => {
    expect(prometheusUnit('{packet}', 'counter')).toEqual({ main: '', per: '' });
    expect(prometheusUnit('us', 'histogram')).toEqual({ main: 'microseconds', per: '' });
    expect(prometheusUnit('MiBy/min', 'gauge')).toEqual({ main: 'mebibytes', per: 'min' });
    expect(prometheusUnit('m/s', 'gauge')).toEqual({ main: 'meters', per: 'second' });
  });
});

describe('prometheusLabelName', () => {
  it.each([
    ['http.route', 'http_route'],
    ['http.response.status_code', 'http_response_status_code'],
    ['k8s.pod..name', 'k8s_pod_name'],
    ['0day', 'key_0day'],
    ['ünïcode', '_n_code'],
    ['...', ''],
    ['', ''],
  ])('%s → %s', (key, expected) => {
    expect(prometheusLabelName(key)).toBe(expected);
  });
});
