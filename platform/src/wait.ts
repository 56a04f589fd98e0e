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
 * Polls `condition` until it returns true. Only for conditions that have no event to wait on
 * (a port answering, a key appearing in another process's Redis).
 */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, opts: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError = '';
  for (;;) {
    const abort = opts.abortIf?.();
    if (abort) throw new Error(`gave up waiting for ${what}: ${abort}`);
    try {
      if (await condition()) return;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/** True when GET `url` answers 2xx within a second. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.ok;
}
