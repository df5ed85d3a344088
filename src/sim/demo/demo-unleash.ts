/**
 * `shiftguard demo` against a real Unleash (`UNLEASH_URL` set): reads where it is and which tokens to
 * use from the environment, then puts the demo's three flags into their starting state through the
 * Admin API, the way an operator would before an upgrade. The tuner then acts on them through its
 * real Unleash adapter, and the simulated fleet reads them with the real `unleash-client` SDK.
 *
 * The demo owns exactly these flags in the chosen project; a rerun resets their strategies in the
 * chosen environment (default `development`, never `production` unless asked for) and leaves every
 * other flag alone. Without `UNLEASH_CLIENT_TOKEN`, the fleet gets a client token scoped to that
 * project and environment, named {@link DEMO_CLIENT_TOKEN_NAME}, created once and reused by later runs.
 */

/** Where the demo's flags live in a real Unleash, and the tokens to reach them. */
export interface DemoUnleash {
  /** API base including `/api`. */
  readonly url: string;
  /** Admin token: the demo's setup and the tuner's writes (read from `UNLEASH_ADMIN_TOKEN`). */
  readonly adminToken: string;
  /** Client (backend SDK) token of the fleet; null: the demo finds or creates a scoped one. */
  readonly clientToken: string | null;
  readonly project: string;
  readonly environment: string;
}

/** One flag of the demo in its starting state: on, one 100 % rollout, optionally a JSON variant payload. */
export interface DemoFlag {
  readonly name: string;
  readonly description: string;
  readonly payload?: unknown;
}

/** Name of the client token the demo creates for its fleet when none is given. */
export const DEMO_CLIENT_TOKEN_NAME = 'shiftguard-demo-fleet';

/** The demo's Unleash settings could not be used. */
export class DemoUnleashError extends Error {
  override readonly name = 'DemoUnleashError';
}

/**
 * The demo's Unleash from `env`, or null when `UNLEASH_URL` is unset (in-memory flags).
 * @throws DemoUnleashError naming the variable that is missing or malformed.
 */
export function demoUnleashFromEnv(env: NodeJS.ProcessEnv): DemoUnleash | null {
  const raw = env['UNLEASH_URL']?.trim();
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DemoUnleashError(`UNLEASH_URL: expected the Unleash API base such as http://127.0.0.1:4242/api, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DemoUnleashError(`UNLEASH_URL: expected an http(s) URL, got "${raw}"`);
  const base = url.toString().replace(/\/+$/, '');
  if (!base.endsWith('/api')) throw new DemoUnleashError(`UNLEASH_URL: expected the API base ending in /api (as the Unleash SDKs take it), e.g. ${base}/api; got "${raw}"`);
  const adminToken = env['UNLEASH_ADMIN_TOKEN']?.trim();
  if (adminToken === undefined || adminToken === '') {
    throw new DemoUnleashError('UNLEASH_ADMIN_TOKEN: expected an Unleash admin API token (the demo creates its flags and the tuner changes them); it is unset or empty');
  }
  const clientToken = env['UNLEASH_CLIENT_TOKEN']?.trim();
  return {
    url: base,
    adminToken,
    clientToken: clientToken === undefined || clientToken === '' ? null : clientToken,
    project: nonEmpty(env['UNLEASH_PROJECT'], 'default'),
    environment: nonEmpty(env['UNLEASH_ENVIRONMENT'], 'development'),
  };
}

/**
 * Puts `flags` into their starting state in `unleash` (created when missing; in the environment: every
 * strategy replaced by one 100 % flexible rollout, variant payload included, and switched on) and
 * returns the client token the fleet reads them with.
 * @throws DemoUnleashError naming the call and Unleash's answer.
 */
export async function prepareDemoUnleash(unleash: DemoUnleash, flags: readonly DemoFlag[]): Promise<{ clientToken: string; created: string[] }> {
  const admin = adminClient(unleash);
  const created: string[] = [];
  for (const flag of flags) {
    const features = `/admin/projects/${encodeURIComponent(unleash.project)}/features`;
    const existing = await admin.call('GET', `${features}/${encodeURIComponent(flag.name)}`, undefined, [200, 404]);
    if (existing.status === 404) {
      await admin.call('POST', features, { name: flag.name, type: 'release', description: flag.description });
      created.push(flag.name);
    }
    const envPath = `${features}/${encodeURIComponent(flag.name)}/environments/${encodeURIComponent(unleash.environment)}`;
    const environment = (await admin.call('GET', envPath)).body as { strategies?: { id: string }[] };
    for (const strategy of environment.strategies ?? []) await admin.call('DELETE', `${envPath}/strategies/${encodeURIComponent(strategy.id)}`);
    await admin.call('POST', `${envPath}/strategies`, {
      name: 'flexibleRollout',
      parameters: { rollout: '100', stickiness: 'default', groupId: flag.name },
      constraints: [],
      variants:
        flag.payload === undefined
          ? []
          : [{ name: 'constants', weight: 1000, weightType: 'variable', stickiness: 'default', payload: { type: 'json', value: JSON.stringify(flag.payload) } }],
    });
    await admin.call('POST', `${envPath}/on`);
  }
  return { clientToken: unleash.clientToken ?? (await fleetClientToken(admin, unleash)), created };
}

interface ApiToken {
  readonly secret: string;
  readonly tokenName: string;
  readonly type: string;
  readonly environment: string;
  readonly projects: readonly string[];
}

/** The demo's client token for the project and environment: the one an earlier run made, else a new one. */
async function fleetClientToken(admin: AdminClient, unleash: DemoUnleash): Promise<string> {
  const { tokens = [] } = (await admin.call('GET', '/admin/api-tokens')).body as { tokens?: ApiToken[] };
  const reusable = tokens.find(
    (t) => t.tokenName === DEMO_CLIENT_TOKEN_NAME && t.type.toLowerCase() === 'client' && t.environment === unleash.environment && t.projects.length === 1 && t.projects[0] === unleash.project,
  );
  if (reusable !== undefined) return reusable.secret;
  const made = (await admin.call('POST', '/admin/api-tokens', { tokenName: DEMO_CLIENT_TOKEN_NAME, type: 'client', environment: unleash.environment, projects: [unleash.project] })).body as { secret?: unknown };
  if (typeof made.secret !== 'string') throw new DemoUnleashError('Unleash created the demo\'s client token but returned no secret');
  return made.secret;
}

interface AdminClient {
  call(method: string, path: string, body?: unknown, accept?: readonly number[]): Promise<{ status: number; body: unknown }>;
}

function adminClient(unleash: DemoUnleash): AdminClient {
  return {
    async call(method, path, body, accept) {
      let response: Response;
      try {
        response = await fetch(`${unleash.url}${path}`, {
          method,
          headers: { Authorization: unleash.adminToken, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (error) {
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        throw new DemoUnleashError(`cannot reach Unleash at ${unleash.url} (${method} ${path}): ${error instanceof Error ? error.message : String(error)}${cause}`);
      }
      const text = await response.text();
      const parsed = parseJson(text);
      const ok = accept === undefined ? response.ok : accept.includes(response.status);
      if (!ok) throw new DemoUnleashError(`Unleash at ${unleash.url} answered ${method} ${path} with HTTP ${response.status}: ${describe(response.status, parsed, text)}`);
      return { status: response.status, body: parsed };
    },
  };
}

function describe(status: number, parsed: unknown, text: string): string {
  const message = typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string' ? parsed.message : text.slice(0, 300);
  if (status === 401 || status === 403) return `${message} (is UNLEASH_ADMIN_TOKEN an admin token of this Unleash?)`;
  return message;
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function nonEmpty(value: string | undefined, fallback: string): string {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? fallback : trimmed;
}
