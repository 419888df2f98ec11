import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConfigStore } from '../config/store';
import { internalToken, presentsInternalToken } from '../config/internal-token';
import type { Logger } from '../observability/logger';
import { EventStream } from '../runtime/event-stream';
import type { LiveFeed } from './live-feed';

export const LIVE_FEED_PATH = '/internal/live';
/** Events a reader may lag behind before it is cut off (it reconnects and gets a fresh snapshot). */
const MAX_QUEUED = 2000;
/** A comment this often, so the reader can tell a quiet feed from a dead connection. */
const FEED_HEARTBEAT_MS = 15_000;

/**
 * `GET /internal/live`: the worker's live calls (a snapshot, then events) as server-sent events, for
 * the gateway's live hub. Live transcripts are personal data: only a reader presenting the internal
 * token gets them (401 otherwise); with no token configured the endpoint is off (503).
 */
export function serveLiveFeed(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { feed: LiveFeed; config: ConfigStore; log: Logger },
): void {
  const json = (status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (req.method !== 'GET') return json(405, { error: 'GET only' });
  const expected = internalToken(deps.config.get());
  if (!expected) return json(503, { error: 'live feed off: set BELUGA_INTERNAL_TOKEN or OPERATOR_API_KEY' });
  if (!presentsInternalToken(req.headers.authorization, expected)) {
    deps.log.warn({ remote: req.socket.remoteAddress }, 'refused a live feed reader: missing or wrong internal token');
    return json(401, { error: 'missing or invalid internal token' });
  }
  const heartbeat = setInterval(() => stream.comment('ping'), FEED_HEARTBEAT_MS);
  heartbeat.unref();
  let unsubscribe: () => void = () => undefined;
  const stream = EventStream.open(res, {
    maxQueued: MAX_QUEUED,
    closed: (why) => {
      clearInterval(heartbeat);
      unsubscribe();
      if (why === 'slow')
        deps.log.warn('live feed reader too slow: disconnected (it reconnects with a fresh snapshot)');
    },
  });
  unsubscribe = deps.feed.subscribe({ send: (event) => stream.send(event), close: () => stream.close() });
}
