import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseTokensFile } from '../api/token-table-file.js';
import { main } from './main.js';

async function run(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: '.',
    stdin: Readable.from([Buffer.from(stdin)]),
  });
  return { code, stdout, stderr };
}

describe('shiftguard token hash', () => {
  it('prints the SHA-256 of the token read on stdin (trailing newline ignored), as a line or a whole tokens-file entry', async () => {
    const digest = createHash('sha256').update('s3cr3t-token').digest('hex');
    expect(await run(['token', 'hash'], 's3cr3t-token\n')).toEqual({ code: 0, stdout: `sha256: ${digest}\n`, stderr: '' });
    const entry = await run(['token', 'hash', '--name', 'alice', '--role', 'operator'], 's3cr3t-token');
    expect(entry.stdout).toBe(`- { name: alice, role: operator, sha256: ${digest} }\n`);
    expect(parseTokensFile(entry.stdout, 'out')).toEqual([{ name: 'alice', role: 'operator', sha256: digest, line: 1 }]);
  });

  it('refuses bad input with exit 2 and never echoes the token', async () => {
    for (const [args, stdin, message] of [
      [['token', 'hash'], '', 'expected the token on stdin'],
      [['token', 'hash'], 'two words-secret', 'cannot contain whitespace'],
      [['token', 'hash', '--name', 'alice'], 'x', 'give both --name and --role'],
      [['token', 'hash', '--name', 'tuner', '--role', 'operator'], 'x', 'is reserved'],
      [['token', 'hash', '--name', 'a b', '--role', 'operator'], 'x', '--name must be'],
      [['token', 'hash', '--name', 'alice', '--role', 'admin'], 'x', '--role must be one of viewer, operator, ingest'],
      [['token', 'mint'], 'x', 'expected "token hash"'],
    ] as const) {
      const result = await run([...args], stdin);
      expect(result.code, message).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain('words-secret');
    }
  });
});
