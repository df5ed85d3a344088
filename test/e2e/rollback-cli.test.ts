/**
 * `shiftguard rollback` on its own: bad usage and an unreachable or refusing service give clear
 * messages and the documented exit codes (the rollback itself is exercised in
 * tuner-closed-loop.test.ts against a real Unleash).
 */
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { PUSH_TOKENS, startPushService } from './push-service.js';
import { makeTempDir, runCli } from './run-cli.js';

describe('shiftguard rollback', () => {
  it('needs --upgrade and a token', async () => {
    const missing = await runCli(['rollback']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('rollback: --upgrade ID is required');
    const noToken = await runCli(['rollback', '--upgrade', 'u1', '--apply', '--url', 'http://127.0.0.1:9']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("rollback: set SHIFTGUARD_OPERATOR_TOKEN to a token of the service's operator role");
  });

  it('says so when the service cannot be reached (exit 1)', async () => {
    const port = await freePort();
    const result = await runCli(['rollback', '--upgrade', 'u1', '--url', `http://127.0.0.1:${port}`], { env: { SHIFTGUARD_VIEWER_TOKEN: 'v' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`rollback: cannot reach the service at http://127.0.0.1:${port}: .*ECONNREFUSED`));
  });

  it("passes on the service's refusal: no tuner, unknown upgrade (exit 2)", async () => {
    const tmp = makeTempDir('rollback-cli');
    const service = await startPushService(tmp.path, 'store: { url: "sqlite:./shiftguard.db" }\n');
    try {
      const result = await runCli(['rollback', '--upgrade', 'u1', '--url', service.base], { env: { SHIFTGUARD_VIEWER_TOKEN: PUSH_TOKENS.viewer } });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`shiftguard: rollback: 404 from ${service.base}/api/v1/upgrades/u1/rollback: the tuner is off (tuner.guardrails is null): it changed no flags\n`);
      const wrongRole = await runCli(['rollback', '--upgrade', 'u1', '--apply', '--url', service.base], { env: { SHIFTGUARD_OPERATOR_TOKEN: PUSH_TOKENS.viewer } });
      expect(wrongRole.code).toBe(2);
      expect(wrongRole.stderr).toContain('403');
    } finally {
      await service.stop();
      tmp.remove();
    }
  });
});
