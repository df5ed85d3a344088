/**
 * The API (createApp) on in-memory state over the seeded dten story, for route tests: upgrades are
 * analysed like `analyze` does and their findings recorded, as the service's monitor would, at a
 * fixed clock; the review page's plot data is read from the same story.
 */
import { createApp } from '../../src/api/create-app.js';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { tokenAuth } from '../../src/api/auth.js';
import { createStoreUpgradeRegistry } from '../../src/api/upgrade-registry.js';
import { quantileToDraw, readGroupView } from '../../src/analysis/group-view.js';
import { createMemoryMetricsSource } from '../../src/analysis/memory-metrics-source.js';
import { runAnalysis } from '../../src/analysis/run-analysis.js';
import { defaultConfig } from '../../src/config/shiftguard-config.js';
import { recordFindings } from '../../src/monitor/record-findings.js';
import { simulateFleet } from '../../src/sim/fleet-simulator.js';
import { dtenStory } from '../../src/sim/scenarios.js';
import { MemoryStateStore } from '../../src/store/memory-state-store.js';
import { createServiceMetrics } from '../../src/telemetry/service-metrics.js';

/** The story every app of this helper serves (seed 1). */
export const STORY = dtenStory(1);
/** The apps' clock. */
export const STORY_NOW_MS = Date.parse('2026-04-10T14:00:00Z');
const source = createMemoryMetricsSource(simulateFleet(STORY.scenario).series);
const TOKENS = { viewer: { env: 'V' }, operator: { env: 'O' }, ingest: { env: 'I' } };

/** The app with the given tokens per role, and its state store. */
export async function storyApp(tokens: { readonly viewer: string; readonly operator: string; readonly ingest: string }): Promise<{ app: OpenAPIHono; store: MemoryStateStore }> {
  const store = new MemoryStateStore();
  await store.open();
  const config = defaultConfig();
  const app = createApp({
    auth: tokenAuth(TOKENS, { V: tokens.viewer, O: tokens.operator, I: tokens.ingest }),
    registry: createStoreUpgradeRegistry(store, () => STORY_NOW_MS),
    metrics: createServiceMetrics(),
    analyze: async (upgrade) => {
      const report = await runAnalysis({ config, upgrade, source });
      await recordFindings(store, upgrade.id, report, STORY_NOW_MS, 'final');
      return report;
    },
    groupView: (upgrade, _report, group) => readGroupView({ config, upgrade, source, signal: group.signal, labels: group.labels, quantile: quantileToDraw(group) }),
    now: () => STORY_NOW_MS,
    ready: () => true,
    maxJsonBodyBytes: 1 << 20,
    version: 'test',
    logError: () => undefined,
    findings: store,
    decisions: store,
  });
  return { app, store };
}
