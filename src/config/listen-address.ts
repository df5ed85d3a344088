/** `host:port` listen addresses as written in `server.listen` and `SHIFTGUARD_LISTEN`. */

/** A parsed listen address; `host` is empty for "all interfaces" and unbracketed for IPv6. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const LISTEN = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/;

/**
 * Parses `host:port`, `[ipv6]:port` or `:port` (all interfaces); the port is 0..65535.
 * @returns the address, or undefined when `text` is not of that form.
 */
export function tryParseListenAddress(text: string): ListenAddress | undefined {
  const match = LISTEN.exec(text);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

/**
 * Parses a listen address (see {@link tryParseListenAddress}).
 * @throws RangeError naming the text when it is not `host:port`.
 */
export function parseListenAddress(text: string): ListenAddress {
  const address = tryParseListenAddress(text);
  if (address === undefined) {
    throw new RangeError(`invalid listen address ${JSON.stringify(text)}: expected host:port, e.g. 127.0.0.1:8080`);
  }
  return address;
}
