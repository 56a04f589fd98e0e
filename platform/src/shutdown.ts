import type { Logger } from './log';
import { onParentGone } from './parent-link';

/**
 * Runs `close` once on SIGTERM or SIGINT, or when the launcher that started this process is
 * gone (see parent-link.ts), then exits 0; exits 1 if closing takes longer than
 * `timeoutMs` (a hung dependency must not keep a process alive forever).
 */
export function onShutdown(log: Logger, close: () => Promise<void>, timeoutMs = 10_000): void {
  let closing = false;
  const handler = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info('shutting down', { signal });
    const timer = setTimeout(() => {
      log.error('shutdown timed out', { timeoutMs });
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    close().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error('shutdown failed', { error: String(e) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => handler('SIGTERM'));
  process.once('SIGINT', () => handler('SIGINT'));
  onParentGone(() => handler('parent gone'));
}
