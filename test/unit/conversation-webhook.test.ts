import { ZodError } from 'zod';
import { toInboundMessage } from '../../src/conversations/inbound-message';
import { ownMessageAttributes } from '../../src/conversations/own-messages';
import { parseConversationWebhook, type ConversationMessageAdded } from '../../src/conversations/webhook';
import { identityKey, parseTwilioAddress } from '../../src/messaging/addresses';

const AC = 'AC' + 'a1'.repeat(16);
const CH = 'CH' + 'b2'.repeat(16);
const IM = 'IM' + 'c3'.repeat(16);
const IS = 'IS' + 'd4'.repeat(16);
const ME = 'ME' + 'e5'.repeat(16);
const NOW = new Date('2026-01-02T03:04:05.000Z');
const options = { agentIdentity: 'beluga-agent', staffIdentities: ['support-jane'], now: NOW };

function messageAdded(fields: Record<string, string> = {}): ConversationMessageAdded {
  const parsed = parseConversationWebhook(
    {
      AccountSid: AC,
      EventType: 'onMessageAdded',
      ConversationSid: CH,
      MessageSid: IM,
      Author: 'alice',
      Body: 'hello',
      ...fields,
    },
    NOW,
  );
  if (parsed.kind !== 'message-added') throw new Error(`parsed as ${parsed.kind}`);
  return parsed.message;
}

describe('Conversations webhook parsing', () => {
  it('classifies pre-events (…Add/Update/Remove) apart from post-events', () => {
    for (const eventType of ['onMessageAdd', 'onConversationUpdate', 'onParticipantRemove', 'onConversationAdd']) {
      expect(parseConversationWebhook({ AccountSid: AC, EventType: eventType }).kind).toBe('pre-event');
    }
    expect(parseConversationWebhook({ AccountSid: AC, EventType: 'onMessageUpdated', ConversationSid: CH }).kind).toBe(
      'not-handled',
    );
    expect(() => parseConversationWebhook({ AccountSid: AC, EventType: 'message.added' })).toThrow(ZodError);
  });

  it('derives event ids from Twilio ids and maps delivery statuses', () => {
    const closed = parseConversationWebhook({
      AccountSid: AC,
      EventType: 'onConversationStateUpdated',
      ConversationSid: CH,
      StateFrom: 'inactive',
      StateTo: 'closed',
      StateUpdated: '2026-01-01T00:00:00Z',
    });
    expect(closed).toMatchObject({
      kind: 'recorded',
      event: { type: 'conversation.closed', id: `conversation.closed:${CH}`, occurredAt: '2026-01-01T00:00:00.000Z' },
    });
    const undelivered = parseConversationWebhook(
      {
        AccountSid: AC,
        EventType: 'onDeliveryUpdated',
        ConversationSid: CH,
        MessageSid: IM,
        DeliveryReceiptSid: 'DY' + '0'.repeat(32),
        Status: 'undelivered',
        ErrorCode: '30003',
      },
      NOW,
    );
    expect(undelivered).toMatchObject({
      kind: 'recorded',
      event: {
        type: 'message.failed',
        delivery: { status: 'undelivered', errorCode: 30003 },
        occurredAt: NOW.toISOString(),
      },
    });
    const update = { AccountSid: AC, EventType: 'onConversationUpdated', ConversationSid: CH, FriendlyName: 'x' };
    // Without DateUpdated the same delivery still maps to the same id.
    const idOf = (parsed: ReturnType<typeof parseConversationWebhook>) =>
      parsed.kind === 'recorded' ? parsed.event.id : undefined;
    expect(idOf(parseConversationWebhook(update, new Date(0)))).toBe(idOf(parseConversationWebhook(update, NOW)));
    expect(idOf(parseConversationWebhook(update))).not.toBe(
      idOf(parseConversationWebhook({ ...update, FriendlyName: 'y' })),
    );
  });

  it('turns Media JSON into Twilio media URLs, and refuses malformed Media', () => {
    const media = JSON.stringify([{ Sid: ME, ContentType: 'image/jpeg', Filename: 'a.jpg', Size: 123 }]);
    const decision = toInboundMessage(messageAdded({ Media: media, ChatServiceSid: IS }), options);
    expect(decision).toMatchObject({
      inbound: {
        media: [{ url: `https://mcs.us1.twilio.com/v1/Services/${IS}/Media/${ME}/Content`, contentType: 'image/jpeg' }],
      },
      droppedMedia: 0,
    });
    // No chat service, no URL: the text is answered, the attachment counted as dropped.
    expect(toInboundMessage(messageAdded({ Media: media }), options)).toMatchObject({
      inbound: { media: [], body: 'hello' },
      droppedMedia: 1,
    });
    expect(() => messageAdded({ Media: '[{"Filename":"x"}]' })).toThrow(ZodError);
  });

  it('builds the customer message, and ignores the agent, our own posts, staff and system', () => {
    expect(toInboundMessage(messageAdded(), options)).toEqual({
      inbound: {
        messageSid: IM,
        accountSid: AC,
        channel: 'conversations',
        from: 'identity:alice',
        to: 'identity:beluga-agent',
        body: 'hello',
        media: [],
        conversationSid: CH,
        receivedAt: NOW.toISOString(),
      },
      droppedMedia: 0,
    });
    expect(toInboundMessage(messageAdded({ Author: '+14155550100' }), options)).toMatchObject({
      inbound: { from: '+14155550100' },
    });
    expect(toInboundMessage(messageAdded({ Author: 'beluga-agent' }), options)).toHaveProperty('ignored');
    expect(
      toInboundMessage(messageAdded({ Author: 'old-name', Attributes: ownMessageAttributes('reply:x') }), options),
    ).toHaveProperty('ignored');
    expect(toInboundMessage(messageAdded({ Author: 'support-jane' }), options)).toHaveProperty('ignored');
    expect(toInboundMessage(messageAdded({ Author: 'system' }), options)).toHaveProperty('ignored');
    expect(toInboundMessage(messageAdded({ Attributes: '{not json' }), options)).toHaveProperty('inbound');
  });
});

describe('identity keys across channels', () => {
  it('keeps phone identities shared by SMS, WhatsApp and Conversations phone authors, and chat identities apart', () => {
    expect(identityKey('+14155550100')).toBe('phone:+14155550100');
    expect(identityKey('whatsapp:+14155550100')).toBe('phone:+14155550100');
    expect(identityKey('identity:Alice')).toBe('identity:Alice');
    expect(identityKey('someone@example.com')).toBe('address:someone@example.com');
    expect(parseTwilioAddress('identity:alice')).toEqual({ channel: 'conversations', address: 'alice' });
  });
});
