/**
 * Where the page finds the exchange, read at run time from `/config.json` (served by the
 * realtime node or the load balancer) so one build serves every deployment.
 */
export interface RuntimeConfig {
  /** Base URL of the REST API; '' means the page's own origin. */
  apiUrl: string;
  /** Base URL of the socket.io endpoint; undefined means the page's own origin. */
  socketUrl?: string;
}

/** Fetches /config.json; a missing or unreadable file means "everything on this origin". */
export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    if (!res.ok) return { apiUrl: '' };
    const body = (await res.json()) as Partial<RuntimeConfig>;
    return {
      apiUrl: typeof body.apiUrl === 'string' ? body.apiUrl.replace(/\/+$/, '') : '',
      socketUrl: typeof body.socketUrl === 'string' && body.socketUrl !== '' ? body.socketUrl : undefined,
    };
  } catch {
    return { apiUrl: '' };
  }
}
