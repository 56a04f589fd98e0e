/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Poll interval (default 100 ms). */
  intervalMs?: number;
  /** Checked before each poll: a reason to stop waiting at once (e.g. "the process exited"). */
  abortIf?: () => string | undefined;
}

/**
 * Polls `condition` until it gives a value other than `false` or `undefined`, and returns that
 * value; throws `timed out waiting for <what>` at the deadline. The one "wait until" of the
 * project (processes and tests alike), only for conditions that have no event to wait on (a port
 * answering, a key appearing in another process's Redis, an engine having caught up).
 */
export async function waitFor<T>(what: string, condition: () => Promise<T | false | undefined> | T | false | undefined, opts: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError = '';
  for (;;) {
    const abort = opts.abortIf?.();
    if (abort) throw new Error(`gave up waiting for ${what}: ${abort}`);
    try {
      const value = await condition();
      if (value !== false && value !== undefined) return value;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

