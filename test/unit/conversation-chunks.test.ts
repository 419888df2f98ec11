import { callTranscriptChunks, type CallForIndexing } from '../../src/knowledge/conversations/call-chunks';
import { splitText, clip, MAX_CHUNK_CHARS } from '../../src/knowledge/conversations/chunk-text';
import { messageChunks, type MessageForIndexing } from '../../src/knowledge/conversations/message-chunks';
import type { MediaDigest } from '../../src/media/digest';

const ACCOUNT = 'AC' + '1'.repeat(32);

function call(overrides: Partial<CallForIndexing> = {}): CallForIndexing {
  return {
    callSid: 'CA' + 'f'.repeat(32),
    accountSid: ACCOUNT,
    customerId: 'cus_1',
    remote: '+14155550100',
    startedAt: new Date('2026-11-02T10:00:00Z'),
    turns: [
      // Out of order on purpose: the store sorts by turn and time; the agent's answer follows the caller.
      { turnId: 1, role: 'agent', text: 'It ships tomorrow morning.', at: '2026-11-02T10:00:09Z' },
      { turnId: 0, role: 'agent', text: 'Hi, how can I help?', at: '2026-11-02T10:00:01Z' },
      { turnId: 1, role: 'caller', text: 'When does order 4521 ship?', at: '2026-11-02T10:00:05Z' },
      { turnId: 2, role: 'caller', text: '  ', at: '2026-11-02T10:00:12Z' },
      { turnId: 2, role: 'caller', text: '1234', source: 'dtmf', at: '2026-11-02T10:00:14Z' },
    ],
    ...overrides,
  };
}

describe('call transcript chunks', () => {
  it('one chunk per spoken turn, in spoken order, each citing its turn, with the previous turn as context', () => {
    const chunks = callTranscriptChunks(call());
    expect(chunks.map((c) => c.id)).toEqual([
      `call:${call().callSid}:0:agent`,
      `call:${call().callSid}:1:caller`,
      `call:${call().callSid}:1:agent`,
      `call:${call().callSid}:2:caller`,
    ]);
    expect(chunks[0]!.text).toBe('Agent: Hi, how can I help?');
    expect(chunks[2]!.text).toBe(
      'Agent: It ships tomorrow morning.\n(After the caller said: "When does order 4521 ship?")',
    );
    expect(chunks[3]!.text).toMatch(/^Caller \(keypad\): 1234\n/);
    expect(chunks[1]).toEqual({
      id: `call:${call().callSid}:1:caller`,
      accountSid: ACCOUNT,
      customerId: 'cus_1',
      channel: 'voice',
      text: 'Caller: When does order 4521 ship?\n(After the agent said: "Hi, how can I help?")',
      title: 'Call with +14155550100 on 2026-11-02',
      source: { kind: 'call', callSid: call().callSid, turnId: '1', speaker: 'caller', at: '2026-11-02T10:00:05Z' },
      at: '2026-11-02T10:00:05Z',
    });
  });

  it('is deterministic: the same call gives the same chunks (a retry replaces, never duplicates)', () => {
    expect(callTranscriptChunks(call())).toEqual(callTranscriptChunks(call()));
  });

  it('has no chunks for a call without a customer, and never shows a withheld number', () => {
    expect(callTranscriptChunks(call({ customerId: undefined }))).toEqual([]);
    expect(callTranscriptChunks(call({ remote: 'anonymous' }))[0]!.title).toBe(
      'Call with a withheld number on 2026-11-02',
    );
  });

  it('splits a long turn into parts with their own ids, all citing the turn', () => {
    const long = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} about the premium plan.`).join(' ');
    const chunks = callTranscriptChunks(
      call({ turns: [{ turnId: 3, role: 'agent', text: long, at: '2026-11-02T10:01:00Z' }] }),
    );
    expect(chunks.length).toBeGreaterThan(1);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
    expect(chunks[1]!.id).toBe(`call:${call().callSid}:3:agent#2`);
    for (const chunk of chunks) {
      expect(chunk.source).toMatchObject({ turnId: '3', speaker: 'agent' });
      expect(chunk.text.length).toBeLessThanOrEqual(MAX_CHUNK_CHARS + 'Agent: '.length);
    }
    expect(chunks.map((c) => c.text.replace(/^Agent: /, '')).join(' ')).toBe(long);
  });
});

function sms(overrides: Partial<MessageForIndexing> = {}): MessageForIndexing {
  return {
    id: 'SM' + 'a'.repeat(32),
    customerId: 'cus_1',
    accountSid: ACCOUNT,
    direction: 'inbound',
    channel: 'sms',
    from: '+14155550100',
    to: '+15005550006',
    body: 'The parcel arrived damaged',
    createdAt: new Date('2026-11-03T08:00:00Z'),
    ...overrides,
  };
}

describe('message chunks', () => {
  it('a body chunk citing the message, direction and channel, with the previous message as context', () => {
    const reply = sms({
      id: 'reply:SMx',
      direction: 'outbound',
      from: '+15005550006',
      to: 'whatsapp:+14155550100',
      channel: 'whatsapp',
      twilioSid: 'SMy',
      body: 'Sorry to hear that: a replacement is on its way.',
    });
    expect(messageChunks(reply, { direction: 'inbound', body: 'The parcel arrived damaged' })).toEqual([
      {
        id: 'message:reply:SMx',
        accountSid: ACCOUNT,
        customerId: 'cus_1',
        channel: 'whatsapp',
        title: 'WhatsApp with +14155550100 on 2026-11-03',
        text: 'Agent: Sorry to hear that: a replacement is on its way.\n(After the customer wrote: "The parcel arrived damaged")',
        source: {
          kind: 'message',
          messageId: 'reply:SMx',
          twilioSid: 'SMy',
          direction: 'outbound',
          at: '2026-11-03T08:00:00.000Z',
        },
        at: '2026-11-03T08:00:00.000Z',
      },
    ]);
  });

  it('voice notes as transcripts and captioned images as descriptions; nothing for uncaptioned images or failures', () => {
    const digests = new Map<number, MediaDigest>([
      [0, { kind: 'audio', contentType: 'audio/ogg', transcript: 'I would like to cancel my subscription' }],
      [1, { kind: 'image', mediaType: 'image/png', sizeBytes: 10, caption: 'A cracked phone screen' }],
      [2, { kind: 'image', mediaType: 'image/png', sizeBytes: 10 }],
      [3, { kind: 'failed', contentType: 'image/png', reason: 'download failed' }],
    ]);
    const chunks = messageChunks(sms({ body: 'see attached', digests }));
    expect(chunks.map((c) => [c.id, c.source.kind])).toEqual([
      [`message:${sms().id}`, 'message'],
      [`voice_note:${sms().id}:0`, 'voice_note'],
      [`image:${sms().id}:1`, 'image'],
    ]);
    expect(chunks[1]!.text).toBe(
      'Voice note from the customer: I would like to cancel my subscription\n(Sent with the message: "see attached")',
    );
    expect(chunks[2]!.text).toMatch(/^Image sent by the customer: A cracked phone screen/);
    expect(chunks[2]!.source).toEqual({
      kind: 'image',
      messageId: sms().id,
      mediaIndex: 1,
      at: '2026-11-03T08:00:00.000Z',
    });
  });

  it('no chunk for an empty body or a call turn (the call indexes its own turns)', () => {
    expect(messageChunks(sms({ body: '' }))).toEqual([]);
    expect(messageChunks(sms({ channel: 'voice' }))).toEqual([]);
  });
});

describe('chunk text', () => {
  it('splits at sentence ends within the limit, and clips at word boundaries', () => {
    expect(splitText('One. Two! Three?', 10)).toEqual(['One. Two!', 'Three?']);
    expect(splitText('   ')).toEqual([]);
    expect(splitText('a'.repeat(25), 10)).toEqual(['a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5)]);
    expect(clip('the quick brown fox jumps', 12)).toBe('the quick…');
  });
});
