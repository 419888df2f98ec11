import { createTwilioClient, isMessageSend } from '../../src/telephony/twilio/client';
import { RateLimiter } from '../../src/telephony/twilio/rate-limiter';
import { TwilioEmulator } from '../../devstack/emulators/twilio';

const SID = 'AC' + 'b2'.repeat(16);
const TOKEN = 'rate-limit-token';

describe('per-account send rate', () => {
  it('releases waiters in arrival order, no faster than the rate', async () => {
    const limiter = new RateLimiter(20, 1);
    const started = Date.now();
    const order: number[] = [];
    const times: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        limiter.acquire().then(() => {
          order.push(i);
          times.push(Date.now() - started);
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    // 5 waits of 50 ms after the first (burst 1); timers may fire a little late, never early.
    expect(times[5]!).toBeGreaterThanOrEqual(240);
  });

  it('paces Messages API sends of one account through the twilio SDK, but not reads', async () => {
    const emulator = new TwilioEmulator({ accounts: { [SID]: TOKEN } });
    const apiBaseUrl = await emulator.start();
    try {
      const client = createTwilioClient({
        accountSid: SID,
        authToken: TOKEN,
        apiBaseUrl,
        sendLimiter: new RateLimiter(5, 1),
      });
      // Warm a keep-alive connection first (reads are not paced): otherwise the first send pays for
      // connecting and reaches the emulator late, which shortens the measured span.
      await client.messages.list({ limit: 1 });
      await Promise.all(
        [1, 2, 3, 4].map((i) => client.messages.create({ to: '+14155550100', from: '+15005550006', body: `n${i}` })),
      );
      const sends = emulator.requests.filter((r) => r.method === 'POST').map((r) => r.at.getTime());
      expect(sends).toHaveLength(4);
      // 5/s with a burst of 1: three waits of 200 ms. Measured where the emulator received them, so
      // one request's network jitter can shorten a single gap; the span cannot be shorter.
      sends.sort((a, b) => a - b);
      expect(sends[3]! - sends[0]!).toBeGreaterThanOrEqual(3 * 180);
      for (let i = 1; i < sends.length; i++) expect(sends[i]! - sends[i - 1]!).toBeGreaterThanOrEqual(100);
      const readsStarted = Date.now();
      await Promise.all([1, 2, 3, 4].map(() => client.messages.list({ limit: 1 })));
      expect(Date.now() - readsStarted).toBeLessThan(180 * 3);
    } finally {
      await emulator.stop();
    }
  });

  it('recognises message sends on both messaging APIs', () => {
    expect(isMessageSend('POST', 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json')).toBe(true);
    expect(isMessageSend('post', 'https://conversations.twilio.com/v1/Conversations/CH1/Messages')).toBe(true);
    expect(isMessageSend('GET', 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json')).toBe(false);
    expect(isMessageSend('POST', 'https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json')).toBe(false);
  });
});
