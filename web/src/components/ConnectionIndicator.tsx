import type { ConnectionState } from '../lib/feed';

const TEXT: Record<ConnectionState, { label: string; title: string }> = {
  connecting: { label: 'Connecting…', title: 'Opening the realtime connection' },
  live: { label: 'Live', title: 'Updates are pushed over the realtime connection' },
  polling: { label: 'Polling REST (2 s)', title: 'Realtime connection lost: reading the REST API every 2 seconds while reconnecting' },
};

/** Shows whether the page is on push or on the REST polling fallback. */
export function ConnectionIndicator({ state }: { state: ConnectionState }) {
  const t = TEXT[state];
  return (
    <div className={`connection ${state}`} data-testid="connection-status" data-state={state} title={t.title} role="status">
      <span className="dot" />
      {t.label}
    </div>
  );
}
