/**
 * A local HTTP server (node:http, 127.0.0.1, a free port) holding Grafana's annotation API to its
 * documented contract, for tests of the push to Grafana. There is no Grafana on this machine (no
 * Debian or npm package of it), so this contract server is the only way to test the push here; it
 * follows, strictly:
 * - Grafana's "Annotations HTTP API" documentation
 *   (https://grafana.com/docs/grafana/latest/developers/http_api/annotations/): `POST /api/annotations`
 *   with `dashboardUID`, `panelId`, `time`, `timeEnd` (epoch ms), `tags`, `text`, answered
 *   `{"message":"Annotation added","id":N}`; `GET /api/annotations?tags=a&tags=b&limit=N` (tags ANDed,
 *   limit default 100, newest first);
 * - Grafana's handler (grafana/grafana `pkg/api/annotations.go` `PostAnnotation`; body
 *   `pkg/api/dtos/annotations.go` `PostAnnotationsCmd`): a body that does not bind (not JSON, a field
 *   of the wrong type) is 400 `{"message":"bad request data"}`; an empty `text` is 400
 *   `{"message":"Failed to save annotation"}`; a missing `time` means now; a `timeEnd` of 0 means a
 *   point (`timeEnd` = `time`); errors are `{"message": …}`;
 * - Grafana's authentication: `Authorization: Bearer <service-account token>`; a missing header is
 *   401 `{"message":"Unauthorized"}`, an unknown token 401 `{"message":"Invalid API key"}`.
 * Anything else is 404 `{"message":"Not found"}`.
 *
 * Tests script faults on top (`failNext`, `rejectWhen`, `hold`) and read what was stored (`stored`)
 * and every request that reached the server with its answer (`requests`).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** An annotation as this server stored it. */
export interface StoredAnnotation {
  readonly id: number;
  readonly dashboardUID: string | null;
  readonly panelId: number;
  readonly time: number;
  readonly timeEnd: number;
  readonly tags: readonly string[];
  readonly text: string;
}

/** One POST that reached the server, and how it was answered. */
export interface ReceivedRequest {
  readonly authorization: string | null;
  readonly body: string;
  readonly status: number;
}

/** A scripted answer: status, Grafana-style message and optional headers. */
export interface ScriptedAnswer {
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The running server. */
export interface GrafanaAnnotationsServer {
  /** `http://127.0.0.1:<port>` (plus the path prefix when one was given). */
  readonly url: string;
  readonly stored: readonly StoredAnnotation[];
  readonly requests: readonly ReceivedRequest[];
  /** Requests the client gave up on while they were held (closed before an answer). */
  readonly abandoned: number;
  /** Accepts `token` from now on (and no other). */
  setToken(token: string): void;
  /** Answers the next `times` POSTs (after authentication) with `answer` instead of storing them. */
  failNext(answer: ScriptedAnswer, times?: number): void;
  /** Answers every valid POST whose body satisfies `when` with `answer` instead of storing it. */
  rejectWhen(when: (body: Record<string, unknown>) => boolean, answer: ScriptedAnswer): void;
  /** Holds every POST unanswered until `release()` (or until the client gives up). */
  hold(): void;
  /** Answers the held POSTs normally and stops holding. */
  release(): void;
  /** Resolves once at least `count` POSTs are being held. */
  untilHeld(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The types `PostAnnotationsCmd` binds (Go's JSON decoder: a number must be a whole number for int64
 * fields); `data` is free-form JSON (`simplejson`), so any value binds.
 */
const FIELD_TYPES: Readonly<Record<string, 'int' | 'string' | 'strings'>> = {
  dashboardId: 'int',
  dashboardUID: 'string',
  panelId: 'int',
  time: 'int',
  timeEnd: 'int',
  text: 'string',
  tags: 'strings',
};

/** Starts the server, accepting the bearer `token`; `pathPrefix` models Grafana served under a sub-path. */
export async function startGrafanaAnnotationsServer(options: { token: string; pathPrefix?: string; now?: () => number }): Promise<GrafanaAnnotationsServer> {
  const prefix = options.pathPrefix ?? '';
  const now = options.now ?? Date.now;
  let token = options.token;
  const stored: StoredAnnotation[] = [];
  const requests: ReceivedRequest[] = [];
  const scripted: ScriptedAnswer[] = [];
  const rejections: { when: (body: Record<string, unknown>) => boolean; answer: ScriptedAnswer }[] = [];
  let holding = false;
  let held: (() => void)[] = [];
  let abandoned = 0;

  const authError = (request: IncomingMessage): string | null => {
    const header = request.headers.authorization;
    if (header === undefined) return 'Unauthorized';
    return header === `Bearer ${token}` ? null : 'Invalid API key';
  };

  async function handlePost(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    const answer = (status: number, body: object, headers: Readonly<Record<string, string>> = {}): void => {
      requests.push({ authorization: request.headers.authorization ?? null, body: text, status });
      sendJson(response, status, body, headers);
    };
    const denied = authError(request);
    if (denied !== null) return answer(401, { message: denied });
    const next = scripted.shift();
    if (next !== undefined) return answer(next.status, { message: next.message }, next.headers);
    const body = bindBody(text);
    if (body === null) return answer(400, { message: 'bad request data' });
    if (typeof body['text'] !== 'string' || body['text'] === '') return answer(400, { message: 'Failed to save annotation' });
    const rejection = rejections.find((r) => r.when(body));
    if (rejection !== undefined) return answer(rejection.answer.status, { message: rejection.answer.message }, rejection.answer.headers);
    if (holding) {
      const released = await holdUntilReleased(request);
      if (!released) return;
    }
    const time = typeof body['time'] === 'number' && body['time'] !== 0 ? body['time'] : now();
    const timeEnd = typeof body['timeEnd'] === 'number' && body['timeEnd'] !== 0 ? body['timeEnd'] : time;
    const annotation: StoredAnnotation = {
      id: stored.length + 1,
      dashboardUID: typeof body['dashboardUID'] === 'string' && body['dashboardUID'] !== '' ? body['dashboardUID'] : null,
      panelId: typeof body['panelId'] === 'number' ? body['panelId'] : 0,
      time,
      timeEnd,
      tags: Array.isArray(body['tags']) ? (body['tags'] as string[]) : [],
      text: body['text'],
    };
    stored.push(annotation);
    answer(200, { message: 'Annotation added', id: annotation.id });
  }

  /** Waits for `release()`; false when the client closed the connection first. */
  function holdUntilReleased(request: IncomingMessage): Promise<boolean> {
    return new Promise((resolve) => {
      const release = (): void => resolve(true);
      held.push(release);
      request.socket.once('close', () => {
        if (!held.includes(release)) return;
        held = held.filter((r) => r !== release);
        abandoned++;
        resolve(false);
      });
    });
  }

  function handleGet(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const denied = authError(request);
    if (denied !== null) return sendJson(response, 401, { message: denied });
    const tags = url.searchParams.getAll('tags');
    const limit = Number(url.searchParams.get('limit') ?? '100');
    const found = stored.filter((a) => tags.every((t) => a.tags.includes(t))).sort((a, b) => b.time - a.time || b.id - a.id);
    sendJson(response, 200, found.slice(0, limit));
  }

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const isApi = url.pathname === `${prefix}/api/annotations`;
    if (isApi && request.method === 'POST') {
      handlePost(request, response).catch((error: unknown) => sendJson(response, 500, { message: String(error) }));
    } else if (isApi && request.method === 'GET') {
      handleGet(request, response, url);
    } else {
      sendJson(response, 404, { message: 'Not found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    stored,
    requests,
    get abandoned() {
      return abandoned;
    },
    setToken: (next) => {
      token = next;
    },
    failNext: (answer, times = 1) => {
      for (let i = 0; i < times; i++) scripted.push(answer);
    },
    rejectWhen: (when, answer) => {
      rejections.push({ when, answer });
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      const waiting = held;
      held = [];
      for (const release of waiting) release();
    },
    untilHeld: async (count) => {
      while (held.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * Binds a body as Go's JSON decoder binds `PostAnnotationsCmd`: a JSON object whose known fields have
 * their types (unknown fields are ignored, `null` leaves a field at its zero value); null when it does not bind.
 */
function bindBody(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const body = value as Record<string, unknown>;
  for (const [field, type] of Object.entries(FIELD_TYPES)) {
    const v = body[field];
    if (v === undefined || v === null) continue;
    const ok = type === 'int' ? Number.isSafeInteger(v) : type === 'string' ? typeof v === 'string' : Array.isArray(v) && v.every((t) => typeof t === 'string');
    if (!ok) return null;
  }
  return body;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (response.writableEnded || response.destroyed) return;
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
