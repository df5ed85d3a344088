/**
 * Runs a synchronous body behind an async signature: a result resolves, a throw rejects. The fake and
 * the SQLite adapter (better-sqlite3 is synchronous) use it, so their methods never throw synchronously
 * and each body runs to completion before any other call starts (every write is atomic).
 */

/** `body()` as a settled promise. */
export function runSync<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
