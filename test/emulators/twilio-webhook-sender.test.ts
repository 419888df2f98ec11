import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidTwilioBodySignature, isValidTwilioSignature } from '../../src/telephony/twilio/signature';
import { sendTwilioJsonWebhook, sendTwilioWebhook } from '../../devstack/emulators/twilio/webhook-sender';
import { FormParams } from '../../devstack/emulators/twilio/form-params';

const AUTH_TOKEN = 'webhook-test-token';
const PUBLIC_BASE = 'https://beluga-gw.example.ngrok.app';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  params: Record<string, string | string[]>;
}

/** A stand-in gateway: validates against the configured PUBLIC URL, as one behind a tunnel must. */
let server: Server;
let localBase: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const isJson = (req.headers['content-type'] ?? '').startsWith('application/json');
      const params = isJson ? {} : new FormParams(rawBody).toRecord();
      received.push({ path, headers: req.headers, rawBody, params });
      const signature = req.headers['x-twilio-signature'] as string | undefined;
      const url = PUBLIC_BASE + path;
      const valid = isJson
        ? isValidTwilioBodySignature({ authToken: AUTH_TOKEN, url, rawBody, signature })
        : isValidTwilioSignature({ authToken: AUTH_TOKEN, url, params, signature });
      res.writeHead(valid ? 200 : 403, { 'Content-Type': 'text/xml' }).end(valid ? '<Response/>' : 'forbidden');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  localBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received.length = 0;
});

describe('sendTwilioWebhook', () => {
  const params = {
    MessageSid: `SM${'1'.repeat(32)}`,
    AccountSid: `AC${'2'.repeat(32)}`,
    From: 'whatsapp:+447700900123',
    To: 'whatsapp:+14155550100',
    Body: 'Hi & héllo',
    NumMedia: '2',
    MediaUrl0: 'https://api.twilio.com/media/0',
    MediaUrl1: 'https://api.twilio.com/media/1',
  };

  it('posts form-encoded params signed over the public URL', async () => {
    const response = await sendTwilioWebhook({
      url: `${localBase}/twilio/sms?tenant=acme`,
      publicUrl: `${PUBLIC_BASE}/twilio/sms?tenant=acme`,
      authToken: AUTH_TOKEN,
      params,
    });
    expect(response).toMatchObject({ status: 200, body: '<Response/>' });
    expect(response.headers['content-type']).toBe('text/xml');
    const [request] = received;
    expect(request?.params).toEqual(params);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers['i-twilio-idempotency-token']).toEqual(expect.any(String));
    // Signed over the public URL, so it must NOT validate against the URL the request arrived on.
    expect(
      isValidTwilioSignature({
        authToken: AUTH_TOKEN,
        url: `${localBase}/twilio/sms?tenant=acme`,
        params,
        signature: request?.headers['x-twilio-signature'] as string,
      }),
    ).toBe(false);
  });

  it('signs repeated keys so the official validator accepts them', async () => {
    const response = await sendTwilioWebhook({
      url: `${localBase}/twilio/status`,
      publicUrl: `${PUBLIC_BASE}/twilio/status`,
      authToken: AUTH_TOKEN,
      params: { CallSid: `CA${'3'.repeat(32)}`, Tag: ['zeta', 'alpha'] },
    });
    expect(response.status).toBe(200);
    expect(received[0]?.rawBody).toBe(`CallSid=CA${'3'.repeat(32)}&Tag=zeta&Tag=alpha`);
  });

  it('is rejected by the gateway with a forged signature, a wrong token or a mismatched public URL', async () => {
    const url = `${localBase}/twilio/sms`;
    const publicUrl = `${PUBLIC_BASE}/twilio/sms`;
    expect(
      (
        await sendTwilioWebhook({
          url,
          publicUrl,
          authToken: AUTH_TOKEN,
          params,
          headers: { 'X-Twilio-Signature': 'AAAA' },
        })
      ).status,
    ).toBe(403);
    expect((await sendTwilioWebhook({ url, publicUrl, authToken: 'other-token', params })).status).toBe(403);
    expect((await sendTwilioWebhook({ url, authToken: AUTH_TOKEN, params })).status).toBe(403);
  });
});

describe('sendTwilioJsonWebhook', () => {
  it('appends bodySHA256 to the URL and signs the URL alone', async () => {
    const body = { event: 'onMessageAdded', ConversationSid: `CH${'4'.repeat(32)}` };
    const response = await sendTwilioJsonWebhook({
      url: `${localBase}/twilio/events?x=1`,
      publicUrl: `${PUBLIC_BASE}/twilio/events?x=1`,
      authToken: AUTH_TOKEN,
      body,
    });
    expect(response.status).toBe(200);
    const [request] = received;
    expect(request?.path).toMatch(/^\/twilio\/events\?x=1&bodySHA256=[0-9a-f]{64}$/);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.rawBody ?? '')).toEqual(body);
    expect(
      isValidTwilioBodySignature({
        authToken: AUTH_TOKEN,
        url: PUBLIC_BASE + (request?.path ?? ''),
        rawBody: `${request?.rawBody} `,
        signature: request?.headers['x-twilio-signature'] as string,
      }),
    ).toBe(false);
  });
});
