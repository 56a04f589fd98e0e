import { createServer, type Server } from 'node:http';

/** What a metrics endpoint serves: a prom-client `Registry` fits. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/**
 * `GET /metrics` of a process that serves nothing else over HTTP (engine, ledger), on `port`
 * of every interface; anything else is 404. Close it on shutdown.
 */
export function serveMetrics(registry: MetricsSource, port: number): Server {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500).end(String(e)),
    );
  });
  server.listen(port, '0.0.0.0');
  return server;
}
