/**
 * The soak's pushers, running against `serve` until the load stops:
 * - remote-write shards, one request in flight each, as Prometheus' queue manager runs them: a shard
 *   sends the newest batch of its stream that is due, waits out a 503 as `Retry-After` asks and
 *   resends the same batch, then moves on; batches that fell due meanwhile are skipped (Prometheus
 *   2.x would fall behind instead and send them later; skipping keeps the data at the wall clock, so
 *   detection keeps analysing fresh slices for the whole load);
 * - OTLP exporters, one per instance, exporting their newest cumulative collection the same way.
 * What `serve` acknowledged goes to the read-back's reference store, in acknowledgement order.
 */
import { Agent } from 'node:http';
import { SENDER_HEADERS } from './remote-write-sender.js';
import { encodeBatch } from './soak-encoder.js';
import { batchSamples, batchDueMs, lastScrapeAt, newestCompleteBatch } from './soak-load.js';
import type { SoakClock, SoakFleet } from './soak-load.js';
import { OTLP_HEADERS, OTLP_SAMPLES_PER_EXPORT, encodeExport, exportTimeMs, newestExport } from './soak-otlp.js';
import type { OtlpPlan } from './soak-otlp.js';
import type { ReferenceStore } from './soak-readback.js';
import { deliver, emptyTally, poster } from './soak-sender.js';
import type { Answer, DeliverDeps, DeliveryTally, LoadStop } from './soak-sender.js';

/** Where and what the pushers send. */
export interface PushTarget {
  /** `serve`'s base URL. */
  readonly url: string;
  /** The ingest role's bearer token. */
  readonly ingestToken: string;
}

/** What the pushers run on. */
export interface PushLoad {
  readonly soak: SoakFleet;
  readonly clock: SoakClock;
  readonly samplesPerRequest: number;
  readonly otlp: OtlpPlan;
  readonly reference: ReferenceStore;
  readonly stop: LoadStop;
  readonly now: () => number;
}

/** The running pushers' tallies, live while they run. */
export interface Pushers {
  readonly remoteWrite: DeliveryTally;
  readonly otlp: DeliveryTally;
  /** Resolves once every pusher has stopped (after the load's stop and the answers in flight). */
  readonly done: Promise<void>;
  /** POSTs one remote-write body or OTLP export once (no retry), for the checks after the load. */
  readonly postRemoteWrite: (body: Uint8Array) => Promise<Answer>;
  readonly postOtlp: (body: Uint8Array) => Promise<Answer>;
  /** Closes the connections (after `done`). */
  close(): void;
}

/** Starts every shard and exporter of `load` against `target`. */
export function startPushers(target: PushTarget, load: PushLoad): Pushers {
  const shards = load.soak.shards.length;
  const agent = new Agent({ keepAlive: true, maxSockets: shards + load.otlp.instances + 2 });
  const auth = { Authorization: `Bearer ${target.ingestToken}` };
  const postRemoteWrite = poster(agent, `${target.url}/api/v1/write`, { ...SENDER_HEADERS, ...auth });
  const postOtlp = poster(agent, `${target.url}/v1/metrics`, { ...OTLP_HEADERS, ...auth });
  const remoteWrite = emptyTally();
  const otlp = emptyTally();
  const deps = (post: DeliverDeps['post']): DeliverDeps => ({ post, wait: (ms) => load.stop.wait(ms), now: load.now });
  const done = Promise.all([
    ...Array.from({ length: shards }, (_, shard) => runShard(load, shard, deps(postRemoteWrite), remoteWrite)),
    ...Array.from({ length: load.otlp.instances }, (_, i) => runExporter(load, i, deps(postOtlp), otlp)),
  ]).then(() => undefined);
  return { remoteWrite, otlp, done, postRemoteWrite, postOtlp, close: () => agent.destroy() };
}

async function runShard(load: PushLoad, shard: number, deps: DeliverDeps, tally: DeliveryTally): Promise<void> {
  const members = load.soak.shards[shard]?.length ?? 0;
  const size = load.samplesPerRequest;
  let next = 0;
  while (!load.stop.stopped) {
    const due = newestCompleteBatch(members, size, lastScrapeAt(load.clock, load.now()));
    if (due < next) {
      if (!(await load.stop.wait(Math.max(1, batchDueMs(load.clock, members, size, next) - load.now())))) break;
      continue;
    }
    tally.samplesSkipped += (due - next) * size;
    const batch = encodeBatch(load.soak, load.clock, shard, due, size);
    if ((await deliver(deps, batch.body, batch.samples, tally)) === 'accepted') {
      load.reference.addRemoteWrite(batchSamples(load.soak, load.clock, shard, due, size, load.reference.keeps), load.now());
    }
    next = due + 1;
  }
}

async function runExporter(load: PushLoad, instance: number, deps: DeliverDeps, tally: DeliveryTally): Promise<void> {
  let next = 0;
  while (!load.stop.stopped) {
    const due = newestExport(load.otlp, load.now());
    if (due < next) {
      if (!(await load.stop.wait(Math.max(1, exportTimeMs(load.otlp, next) - load.now())))) break;
      continue;
    }
    tally.samplesSkipped += (due - next) * OTLP_SAMPLES_PER_EXPORT;
    const body = encodeExport(load.otlp, instance, due);
    if ((await deliver(deps, body, OTLP_SAMPLES_PER_EXPORT, tally)) === 'accepted') load.reference.addOtlp(body, load.now());
    next = due + 1;
  }
}

/** Samples the load offered by `endMs`: every remote-write batch and OTLP export due by then. */
export function offeredSamples(load: Pick<PushLoad, 'soak' | 'clock' | 'samplesPerRequest' | 'otlp'>, endMs: number): { remoteWrite: number; otlp: number } {
  const last = lastScrapeAt(load.clock, endMs);
  const remoteWrite = load.soak.shards.reduce((sum, members) => sum + (newestCompleteBatch(members.length, load.samplesPerRequest, last) + 1) * load.samplesPerRequest, 0);
  const otlp = load.otlp.instances * (newestExport(load.otlp, endMs) + 1) * OTLP_SAMPLES_PER_EXPORT;
  return { remoteWrite, otlp };
}
