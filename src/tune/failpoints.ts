/**
 * Failpoints: named places in the tuner where a test can make the real process crash or stall, to
 * prove that nothing is applied twice or lost across a crash at the worst moment (between writing a
 * decision and calling Unleash, between calling Unleash and writing the outcome). The technique of
 * etcd's gofail and FreeBSD's fail(9): off unless `SHIFTGUARD_FAILPOINTS` names them, e.g.
 * `SHIFTGUARD_FAILPOINTS=tuner.beforeFlagWrite=crash` (or `=hang`, `=pause`). `crash` is SIGKILL of
 * the own process (no shutdown handlers run, exactly like a power cut of the process); `hang` stops
 * the code path forever; `pause` is SIGSTOP of the own process at that very point (once), so a test
 * can let a rival take over and then resume it with SIGCONT.
 */

/** Places the tuner announces. */
export type FailpointName = 'tuner.beforeFlagWrite' | 'tuner.afterFlagWrite' | 'tuner.beforeRevertWrite' | 'tuner.afterRevertWrite';

const NAMES: readonly FailpointName[] = ['tuner.beforeFlagWrite', 'tuner.afterFlagWrite', 'tuner.beforeRevertWrite', 'tuner.afterRevertWrite'];

type Action = 'crash' | 'hang' | 'pause';

/** Reached at a named place; resolves at once unless a test armed it. */
export type Failpoint = (name: FailpointName) => Promise<void>;

/** A failpoint that never fires. */
export const NO_FAILPOINTS: Failpoint = () => Promise.resolve();

/**
 * Failpoints armed by `SHIFTGUARD_FAILPOINTS` (comma-separated `name=crash|hang`).
 * @throws Error naming the bad entry, so a typo in a test cannot silently disarm it.
 */
export function failpointsFromEnv(env: NodeJS.ProcessEnv, announce: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Failpoint {
  const spec = env['SHIFTGUARD_FAILPOINTS']?.trim() ?? '';
  if (spec === '') return NO_FAILPOINTS;
  const armed = new Map<string, Action>();
  for (const entry of spec.split(',')) {
    const [name, action] = entry.trim().split('=');
    if (!NAMES.includes(name as FailpointName) || (action !== 'crash' && action !== 'hang' && action !== 'pause')) {
      throw new Error(`SHIFTGUARD_FAILPOINTS: expected name=crash|hang|pause with name one of ${NAMES.join(', ')}, got ${JSON.stringify(entry)}`);
    }
    armed.set(name as string, action);
  }
  return async (name) => {
    const action = armed.get(name);
    if (action === undefined) return;
    announce(`failpoint ${name} reached: ${action}`);
    if (action === 'crash') process.kill(process.pid, 'SIGKILL');
    if (action === 'pause') {
      // Fires once: after SIGCONT the code path goes on, as a process paused by the OS would.
      armed.delete(name);
      process.kill(process.pid, 'SIGSTOP');
      return;
    }
    await new Promise<never>(() => undefined);
  };
}
