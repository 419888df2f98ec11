import { Router } from 'express';
import type { Logger } from '../observability/logger';
import type { LiveHub } from './live-hub';
import { principalOf } from './principal';

/**
 * `GET /api/live`: server-sent events (`event: <type>`, `data: <LiveEvent json>`) of the calls in
 * progress and the conversations waiting for a person, scoped to the principal's accounts: first a
 * `snapshot`, then `call.started` / `call.current` / `call.turn` / `call.ended` / `takeover`, and a
 * comment every 15 s. A viewer that falls behind is disconnected; it reconnects (EventSource does
 * so by itself) and gets a fresh snapshot.
 */
export function liveRoutes(deps: { hub: LiveHub; log: Logger }): Router {
  const router = Router();
  router.get('/live', (_req, res) => {
    deps.hub.attach(res, principalOf(res)).catch((error: unknown) => {
      deps.log.error({ err: error }, 'could not open a live view');
      if (!res.headersSent) res.status(500).json({ error: 'internal error' });
      else res.destroy();
    });
  });
  return router;
}
