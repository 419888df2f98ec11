import http from 'node:http';
import type { Metrics } from '../observability/metrics';
import { PROMETHEUS_CONTENT_TYPE } from '../observability/metrics';
import { httpStatusOf, type HealthReport } from './status';

/** Writes a report with the status code load balancers read (503 when unhealthy). */
export function writeHealth(res: http.ServerResponse, report: () => Promise<HealthReport>): void {
  report().then(
    (r) => res.writeHead(httpStatusOf(r), { 'content-type': 'application/json' }).end(JSON.stringify(r)),
    // The checks catch their own failures; this is a bug, still answered rather than left hanging.
    () => res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"unhealthy","checks":{}}'),
  );
}

/** A process with no HTTP of its own (the orchestrator) serves `/health` and `/metrics` here. */
export function createHealthServer(deps: { report: () => Promise<HealthReport>; metrics?: Metrics }): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/health') {
      writeHealth(res, deps.report);
    } else if (path === '/metrics' && deps.metrics) {
      deps.metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
}
