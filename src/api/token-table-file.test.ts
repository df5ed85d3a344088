import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokensFileError, parseTokensFile } from './token-table-file.js';

const sha = (token: string): string => createHash('sha256').update(token).digest('hex');

function fileError(text: string): TokensFileError {
  try {
    parseTokensFile(text, 'tokens.yaml');
  } catch (error) {
    if (error instanceof TokensFileError) return error;
    throw error;
  }
  throw new Error('expected the tokens file to be refused');
}

describe('the tokens file', () => {
  it('reads a list of { name, role, sha256 }; one name may hold several tokens (a rotation)', () => {
    const text = [
      `- { name: alice, role: operator, sha256: ${sha('a-old')} }`,
      `- { name: alice, role: operator, sha256: ${sha('a-new').toUpperCase()} }`,
      '- name: grafana-sync',
      '  role: viewer',
      `  sha256: ${sha('g')}`,
    ].join('\n');
    expect(parseTokensFile(text, 'tokens.yaml')).toEqual([
      { name: 'alice', role: 'operator', sha256: sha('a-old'), line: 1 },
      { name: 'alice', role: 'operator', sha256: sha('a-new'), line: 2 },
      { name: 'grafana-sync', role: 'viewer', sha256: sha('g'), line: 3 },
    ]);
    expect(parseTokensFile('[]', 'tokens.yaml')).toEqual([]);
  });

  it('lists every bad field with file:line:column', () => {
    const text = [
      `- { name: alice, role: admin, sha256: ${sha('a')} }`,
      `- { name: "bob smith", role: operator, sha256: ${sha('b')} }`,
      `- { name: tuner, role: operator, sha256: ${sha('t')} }`,
      `- { name: carol, role: viewer, sha256: ${sha('c')}, token: x }`,
    ].join('\n');
    expect(fileError(text).message.split('\n')).toEqual([
      'invalid tokens file tokens.yaml (4 problems):',
      'tokens.yaml:1:24: [0].role: expected viewer, operator or ingest, got "admin"',
      'tokens.yaml:2:11: [1].name: expected a name of 1-64 letters, digits and . _ @ + - (starting with a letter or digit), got "bob smith"',
      'tokens.yaml:3:11: [2].name: "tuner" is reserved (tuner, guardrails, viewer, operator, ingest): shiftguard records it for itself or for the environment tokens',
      'tokens.yaml:4:106: [3].token: unknown key "token"; expected one of: name, role, sha256',
    ]);
  });

  it('refuses the same token twice, whatever the names', () => {
    const text = [`- { name: alice, role: operator, sha256: ${sha('a')} }`, `- { name: dave, role: viewer, sha256: ${sha('a')} }`].join('\n');
    expect(fileError(text).message.split('\n').slice(1)).toEqual(['tokens.yaml:2:39: [1].sha256: the same token as entry [0]: a token belongs to one entry']);
  });

  it('never quotes a sha256 value (a token pasted there must not reach a log)', () => {
    const pasted = 'sg-live-7f3a9c2e1b';
    const error = fileError(`- { name: alice, role: operator, sha256: ${pasted} }\n`);
    expect(error.issues).toEqual([expect.objectContaining({ path: '[0].sha256', line: 1 })]);
    expect(error.message).not.toContain(pasted);
    expect(error.message).toContain('the value is not shown');
  });

  it('refuses an empty file (one caught half-written must not revoke everyone) and a mapping', () => {
    expect(fileError('').issues[0]?.message).toContain('the file is empty');
    expect(fileError('alice: x\n').issues[0]?.message).toBe('expected a list of { name, role, sha256 } (`[]` for none), got a mapping');
    expect(fileError('- { name: a, role: viewer, sha256: [1\n').issues[0]).toMatchObject({ path: '', line: 2, message: expect.stringContaining('invalid YAML') as string });
  });
});
