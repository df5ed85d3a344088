/**
 * HTTP(S) agents for unleash-client that can be stopped: `stop()` destroys their sockets (a fetch
 * in flight fails at once instead of waiting out a hung Unleash) and makes every later connection
 * attempt fail immediately (the SDK's own retries of that fetch then end within their back-off,
 * about 3 s, without touching the network). unleash-client 6.12 has no way to abort a fetch, so
 * without this a client stopped during an Unleash outage keeps its process alive for up to three
 * 10 s request timeouts.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/** Agents per protocol, and the switch that stops them all. */
export interface StoppableAgents {
  /** The agent for `url` (the shape of unleash-client's `httpOptions.agent`). */
  agentFor(url: URL): HttpAgent;
  /** Destroys every socket and refuses new connections from now on. */
  stop(): void;
}

/** Error code of a connection refused because the agents were stopped. */
export const STOPPED_CODE = 'ECLIENTSTOPPED';

/** Keep-alive agents, as unleash-client's defaults are. */
export function createStoppableAgents(): StoppableAgents {
  let stopped = false;
  const guard = <T extends HttpAgent>(agent: T): T => {
    const create = agent.createConnection.bind(agent);
    agent.createConnection = (options, callback) => {
      if (!stopped) return create(options, callback);
      const error = Object.assign(new Error('the Unleash client was stopped'), { code: STOPPED_CODE });
      // Node's Agent takes a connection error through the callback when nothing is returned.
      process.nextTick(() => callback?.(error, undefined as never));
      return undefined;
    };
    return agent;
  };
  const http = guard(new HttpAgent({ keepAlive: true }));
  const https = guard(new HttpsAgent({ keepAlive: true }));
  return {
    agentFor: (url) => (url.protocol === 'https:' ? https : http),
    stop: () => {
      stopped = true;
      http.destroy();
      https.destroy();
    },
  };
}
