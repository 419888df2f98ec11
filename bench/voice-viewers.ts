/**
 * The viewers process of bench/voice-calls.ts (forked by it; not meant to be run by hand): N operator
 * consoles with the live view open (`GET /api/live`, server-sent events, plain http), reading every
 * event as a browser tab would. Out of the benchmarked process, so only the system's side of the
 * live view (the realtime feed and the gateway's hub) counts as its CPU.
 */
import http from 'node:http';
import type { FromViewers, ToViewers } from './voice-calls-protocol';

function send(message: FromViewers): void {
  process.send?.(message);
}

interface Viewer {
  request: http.ClientRequest;
  snapshot: boolean;
  ended: boolean;
}

let viewers: Viewer[] = [];
let unwatching = false;
const totals = { events: 0, bytes: 0, dropped: 0, transcript: 0 };

function open(url: string, apiKey: string): Promise<Viewer> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', 'x-api-key': apiKey } });
    const viewer: Viewer = { request, snapshot: false, ended: false };
    request.on('error', (error) => {
      if (!viewer.snapshot) reject(error);
    });
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`GET /api/live answered ${response.statusCode ?? '?'}`));
        return;
      }
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        totals.bytes += Buffer.byteLength(chunk);
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!type || !data) continue;
          // Parsed like the console does, so the reading side costs what a tab's would.
          JSON.parse(data);
          totals.events++;
          if (type === 'call.current' || type === 'call.turn') totals.transcript++;
          if (type === 'snapshot' && !viewer.snapshot) {
            viewer.snapshot = true;
            resolve(viewer);
          }
        }
      });
      response.on('close', () => {
        viewer.ended = true;
        if (!unwatching) totals.dropped++;
      });
    });
  });
}

async function watch(url: string, apiKey: string, count: number): Promise<void> {
  unwatching = false;
  Object.assign(totals, { events: 0, bytes: 0, dropped: 0, transcript: 0 });
  viewers = await Promise.all(Array.from({ length: count }, () => open(url, apiKey)));
  send({ type: 'watching', connected: viewers.length });
}

function unwatch(): void {
  unwatching = true;
  const count = viewers.length;
  for (const viewer of viewers) viewer.request.destroy();
  viewers = [];
  send({
    type: 'watched',
    connected: count,
    events: totals.events,
    bytes: totals.bytes,
    dropped: totals.dropped,
    transcriptEventsPerViewer: count ? totals.transcript / count : 0,
  });
}

process.on('message', (raw: unknown) => {
  const message = raw as ToViewers;
  const fail = (error: unknown) =>
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  if (message.type === 'watch') watch(message.url, message.apiKey, message.count).catch(fail);
  else unwatch();
});
process.on('disconnect', () => {
  unwatching = true;
  for (const viewer of viewers) viewer.request.destroy();
  process.exit(0);
});
send({ type: 'ready' });
