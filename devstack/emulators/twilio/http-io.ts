import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: object | undefined,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = {
    'Twilio-Request-Id': `RQ${randomBytes(16).toString('hex')}`,
    ...extraHeaders,
  };
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const payload = JSON.stringify(body);
  res
    .writeHead(status, {
      ...headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(payload),
    })
    .end(payload);
}

/** HTTP Basic credentials, or undefined when absent or malformed. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Binary content (a recording's audio), honouring a single `bytes=a-b` Range as Twilio's media host does. */
export function sendBytes(
  res: ServerResponse,
  status: number,
  raw: { contentType: string; bytes: Buffer },
  range: string | undefined,
): void {
  if (res.destroyed || res.writableEnded) return;
  const { bytes } = raw;
  const match = /^bytes=(\d*)-(\d*)$/.exec(range ?? '');
  if (status === 200 && match && (match[1] || match[2])) {
    const start = match[1] ? Number(match[1]) : Math.max(0, bytes.length - Number(match[2]));
    const end = match[1] && match[2] ? Math.min(Number(match[2]), bytes.length - 1) : bytes.length - 1;
    if (start > end || start >= bytes.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` }).end();
      return;
    }
    res
      .writeHead(206, {
        'Content-Type': raw.contentType,
        'Content-Length': end - start + 1,
        'Content-Range': `bytes ${start}-${end}/${bytes.length}`,
        'Accept-Ranges': 'bytes',
      })
      .end(bytes.subarray(start, end + 1));
    return;
  }
  res
    .writeHead(status, { 'Content-Type': raw.contentType, 'Content-Length': bytes.length, 'Accept-Ranges': 'bytes' })
    .end(bytes);
}
