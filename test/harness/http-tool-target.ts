import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request an HTTP tool made. */
export interface TargetRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the target answers; `delayMs` holds the answer back (to time a tool out). */
export interface TargetResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | object;
  delayMs?: number;
}

/**
 * The far end of HTTP tools in tests: a plain Node server that records every request and answers
 * what the test says (`answer`), by default 200 with `{ "ok": true }`.
 */
export class HttpToolTarget {
  readonly requests: TargetRequest[] = [];
  private responder: (request: TargetRequest, index: number) => TargetResponse = () => ({ body: { ok: true } });
  private server?: http.Server;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(request);
        const answer = this.responder(request, this.requests.length - 1);
        const send = () => {
          const json = typeof answer.body === 'object';
          res
            .writeHead(answer.status ?? 200, {
              ...(json ? { 'content-type': 'application/json' } : {}),
              ...answer.headers,
            })
            .end(json ? JSON.stringify(answer.body) : (answer.body ?? ''));
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** How to answer from now on; `index` counts every request the target has had. */
  answer(responder: (request: TargetRequest, index: number) => TargetResponse): void {
    this.responder = responder;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
