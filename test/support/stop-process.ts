/**
 * Stops a child process the tests started: SIGTERM, then SIGKILL when it lingers.
 */
import type { ChildProcess } from 'node:child_process';

/** SIGTERM, then SIGKILL when the process has not exited within `killAfterMs` (default 10 s); resolves once it has exited. */
export async function stopProcess(child: ChildProcess | undefined, killAfterMs = 10_000): Promise<void> {
  if (child === undefined || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}
