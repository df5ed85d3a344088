import { describe, expect, it } from 'vitest';
import { createServiceMetrics, registerStateGauges } from './service-metrics.js';

describe('registerStateGauges', () => {
  it('counts upgrades and decisions by status at scrape time', async () => {
    const metrics = createServiceMetrics();
    let decisions = [{ status: 'proposed' }, { status: 'approved' }, { status: 'approved' }];
    registerStateGauges(metrics, { listUpgrades: () => Promise.resolve([{ status: 'monitoring' }, { status: 'finished' }]), listDecisions: () => Promise.resolve(decisions) });
    let text = await metrics.registry.metrics();
    expect(text).toContain('shiftguard_decisions{status="approved"} 2');
    expect(text).toContain('shiftguard_upgrades{status="monitoring"} 1');
    decisions = [{ status: 'rejected' }];
    text = await metrics.registry.metrics();
    expect(text).toContain('shiftguard_decisions{status="rejected"} 1');
    expect(text).not.toContain('shiftguard_decisions{status="approved"}');
  });
});
