/**
 * Summarizes a V8 `.cpuprofile` (what `node --cpu-prof` writes): self and inclusive time per
 * function and self time per source file, from the sampled stacks and their time deltas.
 */

/** One function (or file) and its share of the profile. */
export interface ProfileEntry {
  /** Function name (`(anonymous)` when unnamed), or a file for per-file entries. */
  readonly name: string;
  /** `file:line` (1-based) of the function; the file itself for per-file entries. */
  readonly location: string;
  /** Time with this function on top of the stack, ms. */
  readonly selfMs: number;
  /** Time with this function anywhere on the stack, ms (per-file entries: equal to selfMs). */
  readonly totalMs: number;
}

export interface ProfileSummary {
  /** Sampled time, ms. */
  readonly sampledMs: number;
  /** Every function, by decreasing self time. */
  readonly byFunction: readonly ProfileEntry[];
  /** Every source file (`(native)` for V8's own entries), by decreasing self time. */
  readonly byFile: readonly ProfileEntry[];
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * Aggregates `profile` (parsed JSON of a `.cpuprofile`; `source` names it in errors). Locations are
 * shown relative to `rootUrl` (a `file://` URL prefix) when they start with it.
 * @throws Error naming `source` when nodes, samples or timeDeltas are missing or inconsistent.
 */
export function summarizeCpuProfile(profile: unknown, source: string, rootUrl = ''): ProfileSummary {
  const { nodes, samples, timeDeltas } = checkProfile(profile, source);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const fnSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  let sampledMs = 0;
  samples.forEach((id, i) => {
    const ms = (timeDeltas[i] ?? 0) / 1000;
    sampledMs += ms;
    const top = byId.get(id);
    if (top === undefined) throw new Error(`${source}: sample ${i} refers to node ${id}, which the profile does not define`);
    add(fnSelf, functionKey(top, rootUrl), ms);
    add(fileSelf, fileOf(top, rootUrl), ms);
    const seen = new Set<string>();
    for (let node: ProfileNode | undefined = top; node !== undefined; node = byId.get(parentOf.get(node.id) ?? -1)) {
      const key = functionKey(node, rootUrl);
      if (!seen.has(key)) add(fnTotal, key, ms);
      seen.add(key);
    }
  });
  const byFunction = [...fnTotal].map(([key, totalMs]) => ({ ...splitKey(key), selfMs: fnSelf.get(key) ?? 0, totalMs }));
  const byFile = [...fileSelf].map(([file, ms]) => ({ name: file, location: file, selfMs: ms, totalMs: ms }));
  const bySelf = (a: ProfileEntry, b: ProfileEntry): number => b.selfMs - a.selfMs;
  return { sampledMs, byFunction: byFunction.sort(bySelf), byFile: byFile.sort(bySelf) };
}

/** A text listing of the top `count` functions by self time and the top files, with percentages. */
export function formatProfileSummary(summary: ProfileSummary, count: number): string {
  const pct = (ms: number): string => `${((100 * ms) / Math.max(summary.sampledMs, 1e-9)).toFixed(1).padStart(5)}%`;
  const fn = summary.byFunction
    .slice(0, count)
    .map((e) => `  ${pct(e.selfMs)} self ${pct(e.totalMs)} total  ${e.name}  ${e.location}`);
  const files = summary.byFile.slice(0, count).map((e) => `  ${pct(e.selfMs)}  ${e.location}`);
  return [`sampled ${(summary.sampledMs / 1000).toFixed(2)} s of CPU`, 'top functions by self time:', ...fn, 'top files by self time:', ...files].join('\n');
}

function checkProfile(profile: unknown, source: string): CpuProfile {
  const p = profile as Partial<CpuProfile> | null;
  if (p === null || typeof p !== 'object' || !Array.isArray(p.nodes) || !Array.isArray(p.samples) || !Array.isArray(p.timeDeltas)) {
    throw new Error(`${source}: expected a V8 CPU profile with arrays "nodes", "samples" and "timeDeltas"`);
  }
  if (p.samples.length !== p.timeDeltas.length) {
    throw new Error(`${source}: expected as many timeDeltas as samples, got ${p.timeDeltas.length} and ${p.samples.length}`);
  }
  return p as CpuProfile;
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function fileOf(node: ProfileNode, rootUrl: string): string {
  const url = node.callFrame.url;
  if (url === '') return '(native)';
  return rootUrl !== '' && url.startsWith(rootUrl) ? url.slice(rootUrl.length) : url;
}

function functionKey(node: ProfileNode, rootUrl: string): string {
  const name = node.callFrame.functionName === '' ? '(anonymous)' : node.callFrame.functionName;
  const file = fileOf(node, rootUrl);
  const location = file === '(native)' ? file : `${file}:${node.callFrame.lineNumber + 1}`;
  return `${name}\u0000${location}`;
}

function splitKey(key: string): { name: string; location: string } {
  const [name = '', location = ''] = key.split('\u0000');
  return { name, location };
}
