/**
 * What pino blanks out of every log line of `serve`: credentials that could reach a log through a
 * logged request, response or error object (an `Authorization` or `Cookie` header, a `token` field).
 * shiftguard never logs request headers on purpose; this is the net under that rule.
 */
import type { LoggerOptions } from 'pino';

/** Keys whose values are credentials wherever they appear in the first levels of a logged object. */
const SECRET_KEYS = ['authorization', 'Authorization', 'cookie', 'Cookie', 'set-cookie', 'token', 'password', 'secret'];

/** The paths, quoted for pino (`headers["set-cookie"]`): at the top, under `headers`, and one or two levels below. */
function pathsOf(key: string): string[] {
  const k = /^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `["${key}"]`;
  const top = k.startsWith('.') ? k.slice(1) : k;
  return [top, `headers${k}`, `*${k}`, `*.headers${k}`, `*.*.headers${k}`, `*.*${k}`];
}

/** pino's `redact` option for `serve`. */
export const LOG_REDACTION: NonNullable<LoggerOptions['redact']> = {
  paths: SECRET_KEYS.flatMap(pathsOf),
  censor: '[redacted]',
};
