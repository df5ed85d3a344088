/**
 * Throttled progress reporting for long reads: calls back at most once per ~64 MB or per second of
 * work (whichever comes first), so that the CLI can print progress to stderr without flooding it.
 */

/** Report after at least this many bytes since the previous report… */
export const PROGRESS_BYTES = 64 * 1024 * 1024;
/** …or after at least this much time (ms) since the previous report. */
export const PROGRESS_INTERVAL_MS = 1000;

/** Accumulates bytes read and calls `onProgress(bytesRead, totalBytes)` when due. */
export class ByteProgress {
  private bytesRead = 0;
  private reportedBytes = 0;
  private reportedAtMs: number;

  constructor(
    private readonly totalBytes: number,
    private readonly onProgress: ((bytesRead: number, totalBytes: number) => void) | undefined,
    private readonly nowMs: () => number,
  ) {
    this.reportedAtMs = nowMs();
  }

  /** Adds `bytes` read; reports when 64 MB or 1 s have passed since the last report. */
  advance(bytes: number): void {
    this.bytesRead += bytes;
    if (this.onProgress === undefined) return;
    const now = this.nowMs();
    if (this.bytesRead - this.reportedBytes >= PROGRESS_BYTES || now - this.reportedAtMs >= PROGRESS_INTERVAL_MS) {
      this.report(now);
    }
  }

  /** Reports the final count once if it was not reported yet. */
  finish(): void {
    if (this.onProgress !== undefined && this.bytesRead !== this.reportedBytes) this.report(this.nowMs());
  }

  private report(now: number): void {
    this.reportedBytes = this.bytesRead;
    this.reportedAtMs = now;
    this.onProgress?.(this.bytesRead, this.totalBytes);
  }
}
