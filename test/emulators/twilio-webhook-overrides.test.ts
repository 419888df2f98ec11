import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConnectionOverrides, sendTwilioWebhook } from '../../devstack/emulators/twilio/webhook-sender';
import { CONNECTION_OVERRIDES } from '../../src/telephony/twilio/connection-overrides';

/** A receiver that answers the n-th request (from 1) as `answer` says; records the URLs it was called on. */
async function receiver(answer: (n: number) => { status: number; delayMs?: number }) {
  const urls: string[] = [];
  const server = http.createServer((req, res) => {
    urls.push(req.url ?? '');
    const { status, delayMs = 0 } = answer(urls.length);
    req.resume();
    setTimeout(() => res.writeHead(status).end(), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    urls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const send = (url: string) => sendTwilioWebhook({ url, authToken: 'token', params: { A: '1' } });

describe("the Twilio emulator's webhook sender honours connection overrides", () => {
  it('reads the project overrides: retry connect failures, read timeouts and 5xx, three times within 15 s', () => {
    expect(parseConnectionOverrides(`https://x.example/hook#${CONNECTION_OVERRIDES}`)).toEqual({
      connectTimeoutMs: 3000,
      readTimeoutMs: 8000,
      totalTimeoutMs: 15_000,
      retryCount: 3,
      retryOn: new Set(['ct', 'rt', '5xx']),
    });
    expect(parseConnectionOverrides('https://x.example/hook')).toBeUndefined();
    expect(() => parseConnectionOverrides('https://x.example/hook#rc=9')).toThrow(/rc=9/);
  });

  it('retries 5xx answers as the fragment asks, and never sends the fragment', async () => {
    const target = await receiver((n) => ({ status: n < 3 ? 503 : 200 }));
    try {
      const response = await send(`${target.url}#rc=3&rp=5xx`);
      expect(response.status).toBe(200);
      expect(target.urls).toEqual(['/hook', '/hook', '/hook']);
    } finally {
      await target.close();
    }
  });

  it("keeps Twilio's default without a fragment: a 503 is not retried", async () => {
    const target = await receiver(() => ({ status: 503 }));
    try {
      expect((await send(target.url)).status).toBe(503);
      expect(target.urls).toHaveLength(1);
    } finally {
      await target.close();
    }
  });

  it('retries a read timeout within the total time, then gives up', async () => {
    const target = await receiver((n) => ({ status: 200, delayMs: n === 1 ? 1000 : 0 }));
    try {
      expect((await send(`${target.url}#rt=300&rc=1&rp=rt`)).status).toBe(200);
      expect(target.urls).toHaveLength(2);
    } finally {
      await target.close();
    }
    const slow = await receiver(() => ({ status: 200, delayMs: 1000 }));
    try {
      await expect(send(`${slow.url}#rt=200&tt=500&rc=5&rp=rt`)).rejects.toThrow();
      expect(slow.urls.length).toBeLessThanOrEqual(3);
    } finally {
      await slow.close();
    }
  });
});
