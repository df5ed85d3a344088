/**
 * One attempt against the partner API: `POST <partner>/sync` with `x-request-id` and `x-attempt`
 * over a keep-alive agent the client owns (so stopping the client closes its sockets). A 2xx answer
 * is a success; any other status, a connection error or a timeout is a failed attempt, as the retry
 * loop of a real client sees them. Only the client's own stop signal rejects.
 */
import { Agent, request } from 'node:http';

/** Which attempt of which logical request. */
export interface AttemptCall {
  readonly requestId: string;
  /** 0-based. */
  readonly attempt: number;
}

/** Sends attempts to one partner. */
export interface PartnerCaller {
  /** Resolves true on a 2xx answer, false on any failure; rejects only when `signal` aborts. */
  call(attempt: AttemptCall, signal: AbortSignal): Promise<boolean>;
  /** Closes every socket. */
  close(): void;
}

/** A caller of `<partnerUrl>/sync`; each attempt gives up after `timeoutMs` of socket inactivity. */
export function createPartnerCaller(partnerUrl: string, timeoutMs: number): PartnerCaller {
  const target = URL.canParse(partnerUrl) ? new URL('/sync', partnerUrl) : null;
  if (target?.protocol !== 'http:') throw new RangeError(`partner URL must be an http:// URL, got "${partnerUrl}"`);
  const agent = new Agent({ keepAlive: true });
  return {
    call: ({ requestId, attempt }, signal) =>
      new Promise<boolean>((resolve, reject) => {
        const req = request(target, { method: 'POST', agent, signal, headers: { 'x-request-id': requestId, 'x-attempt': String(attempt), 'content-length': '0' } }, (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300));
          res.once('error', () => resolve(false));
        });
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.once('error', (error) => (signal.aborted ? reject(error) : resolve(false)));
        req.end();
      }),
    close: () => agent.destroy(),
  };
}
