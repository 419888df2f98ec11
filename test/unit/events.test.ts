import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jitteredBackoffMs } from '../../src/runtime/backoff';
import { ConfigError, loadConfig } from '../../src/config/load';
import { matchesPattern, matchingBindings, matchingSubscribers } from '../../src/events/bindings';
import { callEventType, messageStatusEventType } from '../../src/events/catalog';
import { makeEvent } from '../../src/events/make-event';
import { signWebhook, verifyWebhookSignature } from '../../src/webhooks/signature';
import { callStatusEvent, parseCallWebhook, parseRecordingEvent } from '../../src/voice/webhooks';

const SID = 'AC' + 'd4'.repeat(16);
const OTHER_SID = 'AC' + 'e5'.repeat(16);
const CALL = 'CA' + '1f'.repeat(16);

function configWith(file: Record<string, unknown>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-cfg-'));
  const configFile = path.join(dir, 'c.json');
  fs.writeFileSync(configFile, JSON.stringify(file));
  try {
    return loadConfig({ BELUGA_CONFIG_FILE: configFile });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function problems(file: Record<string, unknown>): string[] {
  try {
    configWith(file);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const accounts = {
  accounts: [
    { name: 'main', accountSid: SID, authToken: 'token-main' },
    { name: 'eu', accountSid: OTHER_SID, authToken: 'token-eu' },
  ],
};

describe('event model', () => {
  it('maps Twilio statuses to event types (in-progress is "answered")', () => {
    expect(callEventType('in-progress')).toBe('call.answered');
    expect(callEventType('no-answer')).toBe('call.no_answer');
    expect(callEventType('queued')).toBe('call.initiated');
    expect(callEventType('completed')).toBe('call.completed');
    expect(messageStatusEventType('undelivered')).toBe('message.failed');
    expect(messageStatusEventType('delivered')).toBe('message.delivered');
    expect(messageStatusEventType('accepted')).toBe('message.status_changed');
    expect(messageStatusEventType('received')).toBe('message.status_changed');
  });

  it('derives event ids from Twilio ids, so a redelivered callback is the same event', () => {
    const form = {
      CallSid: CALL,
      AccountSid: SID,
      CallStatus: 'in-progress',
      From: '+14155550100',
      To: '+15005550006',
      Direction: 'inbound',
      SequenceNumber: '2',
      Timestamp: 'Mon, 23 Nov 2026 10:00:00 +0000',
    };
    const first = callStatusEvent(parseCallWebhook(form));
    const again = callStatusEvent(parseCallWebhook(form, new Date(Date.now() + 60_000)));
    expect(first.id).toBe(`call.answered:${CALL}`);
    expect(again).toEqual(first);
    expect(first).toMatchObject({
      type: 'call.answered',
      version: 1,
      source: 'twilio',
      accountSid: SID,
      occurredAt: '2026-11-23T10:00:00.000Z',
      data: { callSid: CALL, status: 'in-progress', sequenceNumber: 2 },
    });
    const recording = parseRecordingEvent({
      RecordingSid: 'RE' + '2a'.repeat(16),
      AccountSid: SID,
      CallSid: CALL,
      RecordingStatus: 'completed',
      RecordingDuration: '31',
      RecordingUrl: 'https://api.twilio.com/rec',
    });
    expect(recording).toMatchObject({
      id: `recording.completed:RE${'2a'.repeat(16)}`,
      type: 'recording.completed',
      data: { durationSeconds: 31, callSid: CALL },
    });
  });

  it('rejects malformed voice webhooks with the field named', () => {
    expect(() => parseCallWebhook({ CallSid: 'nope', AccountSid: SID, CallStatus: 'ringing' })).toThrow(/CallSid/);
    expect(() => parseCallWebhook({ CallSid: CALL, AccountSid: SID, CallStatus: 'answered' })).toThrow(/CallStatus/);
  });
});

describe('bindings', () => {
  const config = configWith({
    twilio: accounts,
    events: {
      bindings: [
        { name: 'all-calls', events: ['call.*'], workflow: 'a' },
        {
          name: 'eu-whatsapp',
          events: ['message.received'],
          workflow: 'b',
          filter: { account: 'eu', 'data.channel': 'whatsapp' },
        },
        { name: 'any', events: ['*'], workflow: 'c', filter: { accountSid: [SID] } },
      ],
    },
    webhooks: {
      subscribers: [
        {
          name: 'ops',
          url: 'https://ops.example.com/hook',
          secret: 'x'.repeat(16),
          events: ['message.failed', 'call.completed'],
        },
      ],
    },
  });
  const message = (accountSid: string, channel: 'sms' | 'whatsapp') =>
    makeEvent('message.received', {
      id: 'm',
      accountSid,
      data: { messageSid: 'SM1', channel, from: 'a', to: 'b', body: '', mediaCount: 0 },
    });

  it('matches patterns exactly, by prefix, or all', () => {
    expect(matchesPattern('call.*', 'call.answered')).toBe(true);
    expect(matchesPattern('call.*', 'callx.answered')).toBe(false);
    expect(matchesPattern('*', 'anything')).toBe(true);
    expect(matchesPattern('message.failed', 'message.failed')).toBe(true);
  });

  it('applies filters on account names, ids and data fields', () => {
    expect(matchingBindings(config, message(OTHER_SID, 'whatsapp')).map((b) => b.name)).toEqual(['eu-whatsapp']);
    expect(matchingBindings(config, message(OTHER_SID, 'sms')).map((b) => b.name)).toEqual([]);
    expect(matchingBindings(config, message(SID, 'whatsapp')).map((b) => b.name)).toEqual(['any']);
    const call = makeEvent('call.completed', {
      id: 'c',
      accountSid: OTHER_SID,
      data: { callSid: CALL, status: 'completed', from: 'a', to: 'b' },
    });
    expect(matchingBindings(config, call).map((b) => b.name)).toEqual(['all-calls']);
    expect(matchingSubscribers(config, call).map((s) => s.name)).toEqual(['ops']);
    expect(matchingSubscribers(config, message(SID, 'sms'))).toEqual([]);
  });

  it('refuses bindings that could never work, naming the problem', () => {
    expect(problems({ events: { bindings: [{ name: 'x', events: ['call.answerd'], workflow: 'w' }] } })[0]).toMatch(
      /^events\.bindings\.0\.events\.0: must be an event type/,
    );
    expect(problems({ events: { bindings: [{ name: 'bad name!', events: ['*'], workflow: 'w' }] } })[0]).toMatch(
      /^events\.bindings\.0\.name/,
    );
    expect(
      problems({ events: { bindings: [{ name: 'x', events: ['*'], workflow: 'w', filter: { channel: 'sms' } }] } })[0],
    ).toMatch(/filter keys are account, accountSid, customerId or data/);
    expect(
      problems({
        events: {
          bindings: [
            { name: 'x', events: ['*'], workflow: 'w' },
            { name: 'x', events: ['*'], workflow: 'v' },
          ],
        },
      }),
    ).toEqual(['events.bindings: name "x" is used twice']);
    expect(
      problems({ webhooks: { subscribers: [{ name: 's', url: 'ftp://x', secret: 'short', events: ['*'] }] } }).join(
        '\n',
      ),
    ).toMatch(/url[\s\S]*secret: must be at least 16/);
  });
});

describe('outgoing webhook signatures', () => {
  const secret = 'whsec-0123456789abcdef';
  const body = JSON.stringify({ id: 'e1', type: 'call.completed' });
  const now = 1_800_000_000;

  it('verifies a genuine signature and rejects tampering, other keys and stale timestamps', () => {
    const header = signWebhook(secret, body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, body, header, { nowSeconds: now + 10 })).toBe(true);
    expect(verifyWebhookSignature(secret, body.replace('e1', 'e2'), header, { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature('another-secret-0123', body, header, { nowSeconds: now })).toBe(false);
    expect(verifyWebhookSignature(secret, body, header, { nowSeconds: now + 301 })).toBe(false);
    expect(verifyWebhookSignature(secret, body, undefined)).toBe(false);
    expect(verifyWebhookSignature(secret, body, 't=abc,v1=zz')).toBe(false);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(jitteredBackoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(jitteredBackoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(jitteredBackoffMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(jitteredBackoffMs(20, 1000, 60_000, () => 1)).toBe(60_000);
    const spread = new Set(Array.from({ length: 20 }, () => jitteredBackoffMs(3, 1000, 60_000)));
    expect(spread.size).toBeGreaterThan(10);
  });
});
