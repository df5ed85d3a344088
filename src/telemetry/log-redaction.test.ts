import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_REDACTION } from './log-redaction.js';

describe('log redaction', () => {
  it('blanks Authorization and Cookie headers and token fields wherever a logged object carries them', () => {
    const lines: string[] = [];
    const logger = pino({ redact: LOG_REDACTION }, { write: (line: string) => lines.push(line) });
    logger.info({ req: { method: 'GET', headers: { authorization: 'Bearer SECRET-1', cookie: 'shiftguard_session=SECRET-2', host: 'x' } } }, 'request');
    logger.info({ headers: { Authorization: 'Bearer SECRET-3' }, token: 'SECRET-4' }, 'call');
    logger.error({ err: { response: { headers: { 'set-cookie': 'SECRET-5' } }, config: { headers: { authorization: 'SECRET-6' } } } }, 'failed');
    logger.warn({ unleash: { token: 'SECRET-7' }, secret: 'SECRET-8' }, 'config');
    const text = lines.join('');
    expect(text).not.toMatch(/SECRET-\d/);
    expect(text.match(/\[redacted\]/g)).toHaveLength(8);
    // What is not a credential stays readable.
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ req: { method: 'GET', headers: { host: 'x' } }, msg: 'request' });
  });
});
