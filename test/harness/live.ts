import http from 'node:http';

/** One server-sent event as a plain-http reader sees it. */
export interface ReceivedEvent {
  type: string;
  data: Record<string, unknown>;
  /** When it arrived (ms since the reader opened), to check order and timing. */
  at: number;
}

/** A server-sent-events reader over plain http (as a console tab would be), collecting every event. */
export interface EventReader {
  status: number;
  contentType: string | undefined;
  events: ReceivedEvent[];
  /** Comment lines seen (heartbeats). */
  comments: number;
  /** The next event (from `from` on) matching, or a timeout error naming `what`. */
  waitFor(
    what: string,
    match: (e: ReceivedEvent) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<ReceivedEvent>;
  /** Resolves when the server closed the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens `url` with these headers; resolves once the response headers are in (the body keeps streaming into `events`). */
export function openEventStream(url: string, headers: Record<string, string>): Promise<EventReader> {
  const opened = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } });
    request.on('error', reject);
    request.on('response', (response) => {
      const waiters = new Set<() => void>();
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => (endedResolve = r));
      const reader: EventReader = {
        status: response.statusCode ?? 0,
        contentType: response.headers['content-type'],
        events: [],
        comments: 0,
        ended,
        close: () => request.destroy(),
        async waitFor(what, match, timeoutMs = 20_000, from = 0) {
          const deadline = performance.now() + timeoutMs;
          for (;;) {
            const found = reader.events.slice(from).find(match);
            if (found) return found;
            const left = deadline - performance.now();
            if (left <= 0)
              throw new Error(`timed out waiting for ${what}; got ${reader.events.map((e) => e.type).join(', ')}`);
            await new Promise<void>((wake) => {
              const timer = setTimeout(wake, left);
              waiters.add(() => {
                clearTimeout(timer);
                wake();
              });
            });
          }
        },
      };
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) {
            reader.comments++;
            continue;
          }
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type && data)
            reader.events.push({
              type,
              data: JSON.parse(data) as Record<string, unknown>,
              at: performance.now() - opened,
            });
        }
        for (const wake of [...waiters]) wake();
        waiters.clear();
      });
      response.on('close', () => {
        endedResolve();
        for (const wake of [...waiters]) wake();
      });
      resolve(reader);
    });
  });
}
