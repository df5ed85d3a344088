import { describe, expect, it } from 'vitest';
import { checkOperationalAlert } from '../alerts/operational-alerts.js';
import { ApiError } from '../api/api-error.js';
import { PrometheusQueryError } from '../ingest/prometheus-query-error.js';
import { StoreError } from '../store/store-error.js';
import { MONITORING_ALERT, failureCause, monitoringAlert, stateStoreAlert } from './monitoring-alerts.js';

const PROMETHEUS_DOWN = new PrometheusQueryError('http://prometheus:9090/', 'query_range http_requests_total', 'connection refused');
const STORE_DOWN = new StoreError('unavailable', 'PostgreSQL database postgres://db/shiftguard is unavailable: Connection terminated unexpectedly');

describe('the monitoring alerts', () => {
  it('name the cause of each failure from its error type', () => {
    expect([failureCause(PROMETHEUS_DOWN), failureCause(STORE_DOWN), failureCause(new Error('worker died'))]).toEqual(['metrics_source', 'state_store', 'analysis']);
    // serve's analysis hands the monitor the API errors it maps them to.
    expect(failureCause(new ApiError(502, 'metrics_source_error', PROMETHEUS_DOWN.message))).toBe('metrics_source');
    expect(failureCause(new ApiError(503, 'analysis_unavailable', 'the analysis worker died'))).toBe('analysis');
  });

  it('clear on a pass without failures, and raise one alert for a pass with some: causes as a label, upgrades named, the first error quoted', () => {
    expect(monitoringAlert([])).toBeNull();
    const one = monitoringAlert([{ upgradeId: 'dten-2.0', error: PROMETHEUS_DOWN }]);
    expect(one).toEqual({
      name: MONITORING_ALERT,
      key: '',
      labels: { cause: 'metrics_source' },
      summary: 'Monitoring fails for upgrade dten-2.0',
      description: 'Prometheus at http://prometheus:9090/: connection refused while running query_range http_requests_total. Nothing is decided on the missing data: findings, final reports and the verification of flag changes wait until monitoring works again.',
    });
    const many = monitoringAlert([...Array.from({ length: 7 }, (_, i) => ({ upgradeId: `u${i}`, error: PROMETHEUS_DOWN })), { upgradeId: 'u7', error: STORE_DOWN }]);
    expect(many?.labels).toEqual({ cause: 'metrics_source,state_store' });
    expect(many?.summary).toBe('Monitoring fails for 8 upgrades u0, u1, u2, u3, u4 and 3 more');
    expect(monitoringAlert([{ upgradeId: null, error: STORE_DOWN }])).toMatchObject({ labels: { cause: 'state_store' }, summary: 'Monitoring passes fail: no upgrade is being evaluated' });
    // Every alert passes the dispatcher's own check.
    for (const alert of [one, many, stateStoreAlert('PostgreSQL')]) expect(() => checkOperationalAlert(alert as NonNullable<typeof alert>)).not.toThrow();
  });
});
