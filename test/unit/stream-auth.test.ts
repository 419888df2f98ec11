import type http from 'node:http';
import { signTwilioRequest } from '../../devstack/emulators/twilio';
import type { Config } from '../../src/config/schema';
import { PendingSockets, upgradeSignature } from '../../src/realtime/upgrade-guard';
import { UsedStreams } from '../../src/realtime/used-streams';
import { streamToken, verifyStreamToken, type StreamClaims } from '../../src/voice/stream-token';

const CALL = 'CA' + '1f'.repeat(16);
const ACCOUNT = 'AC' + '2e'.repeat(16);
const CLAIMS: StreamClaims = {
  callSid: CALL,
  accountSid: ACCOUNT,
  customerId: 'cus_1',
  from: '+14155550123',
  to: '+15005550006',
  direction: 'inbound',
  trust: 'unverified',
  expiresAt: 2_000_000_000,
};
const FOR_CALL = { callSid: CALL, accountSid: ACCOUNT };
const NOW = 1_999_999_000;

/** The token with one claim changed but the original signature kept. */
function tampered(token: string, change: Partial<StreamClaims>): string {
  const [body, mac] = token.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${mac}`;
}

describe('media stream tokens', () => {
  it('round-trip the claims, and bind the stream to its call, its account and an expiry', () => {
    const token = streamToken('auth-token', CLAIMS);
    expect(verifyStreamToken('auth-token', token, FOR_CALL, NOW)).toEqual(CLAIMS);
    expect(verifyStreamToken('auth-token', token, { ...FOR_CALL, callSid: 'CA' + '00'.repeat(16) }, NOW)).toBe(
      undefined,
    );
    expect(verifyStreamToken('auth-token', token, { ...FOR_CALL, accountSid: 'AC' + '00'.repeat(16) }, NOW)).toBe(
      undefined,
    );
    expect(verifyStreamToken('other-token', token, FOR_CALL, NOW)).toBe(undefined);
    expect(verifyStreamToken('auth-token', token, FOR_CALL, 2_000_000_001)).toBe(undefined);
    expect(verifyStreamToken('auth-token', undefined, FOR_CALL)).toBe(undefined);
    expect(verifyStreamToken('auth-token', 'garbage', FOR_CALL)).toBe(undefined);
    expect(verifyStreamToken('auth-token', `${token}.x`, FOR_CALL, NOW)).toBe(undefined);
    expect(verifyStreamToken('auth-token', `${token}!`, FOR_CALL, NOW)).toBe(undefined);
  });

  it('refuse any altered claim', () => {
    const token = streamToken('auth-token', CLAIMS);
    for (const change of [
      { customerId: 'cus_2' },
      { from: '+14155550999' },
      { to: '+15005550007' },
      { direction: 'outbound-api' },
      { trust: 'verified' as const },
      { recorded: true },
      { expiresAt: 2_100_000_000 },
    ])
      expect(verifyStreamToken('auth-token', tampered(token, change), FOR_CALL, NOW)).toBe(undefined);
  });

  it('carry whether the call is recorded, when the gateway knows it', () => {
    for (const recorded of [true, false]) {
      const token = streamToken('auth-token', { ...CLAIMS, recorded });
      expect(verifyStreamToken('auth-token', token, FOR_CALL, NOW)).toEqual({ ...CLAIMS, recorded });
      expect(verifyStreamToken('auth-token', tampered(token, { recorded: !recorded }), FOR_CALL, NOW)).toBe(undefined);
    }
    expect(verifyStreamToken('auth-token', streamToken('auth-token', CLAIMS), FOR_CALL, NOW)).not.toHaveProperty(
      'recorded',
    );
  });

  it('carry the stream number of a reconnect, signed (a first stream has none)', () => {
    const token = streamToken('auth-token', { ...CLAIMS, seq: 2 });
    expect(verifyStreamToken('auth-token', token, FOR_CALL, NOW)).toEqual({ ...CLAIMS, seq: 2 });
    expect(verifyStreamToken('auth-token', tampered(token, { seq: 3 }), FOR_CALL, NOW)).toBe(undefined);
    expect(verifyStreamToken('auth-token', streamToken('auth-token', CLAIMS), FOR_CALL, NOW)).not.toHaveProperty('seq');
    // A nonsensical number is no reconnect.
    expect(verifyStreamToken('auth-token', streamToken('auth-token', { ...CLAIMS, seq: -1 }), FOR_CALL, NOW)).toEqual(
      CLAIMS,
    );
  });

  it('differ for the same claims (a random nonce)', () => {
    expect(streamToken('auth-token', CLAIMS)).not.toBe(streamToken('auth-token', CLAIMS));
  });
});

describe('used streams', () => {
  it('let a call open one stream until its token expires, and stay bounded', () => {
    let now = 1_000;
    const used = new UsedStreams(2, () => now);
    expect(used.claim('CA1', 5_000)).toBe(true);
    expect(used.claim('CA1', 5_000)).toBe(false);
    expect(used.claim('CA2', 6_000)).toBe(true);
    // Full of live entries: refused rather than forgetting one that could be replayed.
    expect(used.claim('CA3', 7_000)).toBe(false);
    now = 5_500;
    expect(used.claim('CA3', 7_000)).toBe(true);
    expect(used.claim('CA2', 9_000)).toBe(false);
    now = 8_000;
    expect(used.claim('CA1', 12_000)).toBe(true);
  });
});

describe('used streams of a call that reconnects', () => {
  it('let each stream number open once: the first stream, then one per reconnect', () => {
    const used = new UsedStreams(10, () => 1_000);
    expect(used.claim('CA1', 5_000)).toBe(true);
    expect(used.claim('CA1', 5_000, 0)).toBe(false);
    expect(used.claim('CA1', 5_000, 1)).toBe(true);
    expect(used.claim('CA1', 5_000, 1)).toBe(false);
    expect(used.claim('CA1', 5_000, 2)).toBe(true);
  });
});

describe('media stream upgrades', () => {
  const config = {
    publicUrl: 'https://beluga.example.com',
    voice: {},
    twilio: { accounts: [{ authToken: 'first-token' }, { authToken: 'second-token' }] },
  } as unknown as Config;
  const upgrade = (signature?: string, url = '/twilio/media-stream') =>
    ({ url, headers: signature === undefined ? {} : { 'x-twilio-signature': signature } }) as http.IncomingMessage;
  const STREAM_URL = 'wss://beluga.example.com/twilio/media-stream';

  it('check X-Twilio-Signature over the public stream URL against every configured account', () => {
    expect(upgradeSignature(config, upgrade())).toBe('absent');
    expect(upgradeSignature(config, upgrade(signTwilioRequest('second-token', STREAM_URL)))).toBe('valid');
    expect(upgradeSignature(config, upgrade(signTwilioRequest('third-token', STREAM_URL)))).toBe('invalid');
    expect(upgradeSignature(config, upgrade('bad'))).toBe('invalid');
    const withQuery = upgrade(signTwilioRequest('first-token', `${STREAM_URL}?a=1`), '/twilio/media-stream?a=1');
    expect(upgradeSignature(config, withQuery)).toBe('valid');
    const configured = { ...config, voice: { mediaStreamUrl: 'wss://media.example.com/stream' } } as Config;
    expect(upgradeSignature(configured, upgrade(signTwilioRequest('first-token', STREAM_URL)))).toBe('invalid');
    expect(
      upgradeSignature(configured, upgrade(signTwilioRequest('first-token', 'wss://media.example.com/stream'))),
    ).toBe('valid');
  });

  it('cap the connections not yet authenticated', () => {
    const pending = new PendingSockets(2);
    const first = pending.admit();
    expect(first).toBeDefined();
    expect(pending.admit()).toBeDefined();
    expect(pending.admit()).toBeUndefined();
    first!();
    first!();
    expect(pending.admit()).toBeDefined();
    expect(pending.admit()).toBeUndefined();
  });
});
