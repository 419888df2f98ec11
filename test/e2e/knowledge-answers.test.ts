/**
 * Knowledge used while talking, on the real stack (LanceDB store, Voyage emulator, Temporal,
 * gateway, realtime worker): an SMS answered from a PDF's content with the citation recorded on the
 * reply; a voice turn answered from knowledge retrieved speculatively from the partial transcript,
 * its citation on the call turn, its first audio no later than without knowledge by more than the
 * retrieval budget; and a customer's own earlier call found for them while another customer's and
 * another account's never reach the model.
 */
import { conversationText, knowledgeResponder, type RecordedRequest } from '../../devstack/emulators/anthropic';
import { chunkDocument } from '../../src/knowledge/documents/chunk';
import { extractDocument } from '../../src/knowledge/documents/extract';
import type { Chunk } from '../../src/knowledge/types';
import { MessageStore } from '../../src/memory/message-store';
import type { CallTurn } from '../../src/voice/call-types';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import {
  AGENT_NUMBER,
  SECOND_ACCOUNT_SID,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { agentTurn, callStatus, connectCall } from '../harness/voice';
import { pdfWithPages } from '../unit/documents/pdf-fixtures';

const SUPPORT = AGENT_NUMBER;
/** A line whose agent has no knowledge bases: the baseline for first-audio latency. */
const PLAIN = '+15005550011';
const KB = 'kb-policies';

const prefix = `+1631${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let counter = 0;
const uniquePhone = () => `${prefix}${String(++counter).padStart(4, '0')}`;

const REFUND_PAGES = [
  ['Refund policy'],
  [
    'Returns are accepted within 30 days of delivery.',
    'Refunds are paid to the original card within 14 days of the return arriving at our warehouse.',
  ],
  ['Opened items can be returned only if they are faulty.', 'Return shipping costs 4 euros unless the item is faulty.'],
];

/**
 * The PDF as an upload would be indexed: bytes → text per page → chunks with title, page and position.
 * TODO(integrator): once k-ingest's upload API is on main, upload the PDF through it instead.
 */
async function indexRefundPolicy(system: TestSystem): Promise<Chunk[]> {
  const bytes = await pdfWithPages(REFUND_PAGES, 'Refund policy');
  const extracted = await extractDocument(
    { bytes, fileName: 'refunds.pdf', contentType: 'application/pdf' },
    { maxBytes: 1_000_000 },
  );
  const at = new Date().toISOString();
  const chunks: Chunk[] = chunkDocument(extracted, { fallbackTitle: 'refunds.pdf' }).map((c) => ({
    id: `doc:refunds:v1:${c.position}`,
    accountSid: TEST_ACCOUNT_SID,
    knowledgeBaseId: KB,
    documentId: 'refunds',
    documentVersion: 'v1',
    text: c.text,
    title: c.title,
    source: {
      kind: 'document',
      knowledgeBaseId: KB,
      documentId: 'refunds',
      title: c.title,
      ...(c.page !== undefined ? { page: c.page } : {}),
      ...(c.section ? { section: c.section } : {}),
      position: c.position,
    },
    at,
  }));
  await system.knowledge.indexChunks(chunks);
  return chunks;
}

/** One caller turn of an earlier call, as the call's index step writes it. */
function callChunk(accountSid: string, customerId: string, callSid: string, text: string): Chunk {
  const at = '2026-11-02T10:15:00.000Z';
  return {
    id: `call:${callSid}:3:caller`,
    accountSid,
    customerId,
    channel: 'voice',
    text,
    title: `Call on 2026-11-02`,
    source: { kind: 'call', callSid, turnId: '3', speaker: 'caller', at },
    at,
  };
}

const requestText = (request: RecordedRequest) => conversationText(request);

describe('answers from knowledge', () => {
  let system: TestSystem;
  let policy: Chunk[];

  beforeAll(async () => {
    system = await startTestSystem(
      {},
      {
        voice: true,
        configFile: {
          agents: [
            {
              id: 'support',
              name: 'Support',
              instructions: 'You are Support at Beluga.',
              tools: ['send_sms'],
              knowledge: [KB, 'kb-deleted-long-ago'],
            },
            { id: 'plain', name: 'Plain', instructions: 'You are Plain at Beluga.', tools: ['send_sms'] },
          ],
          twilio: {
            accounts: [
              {
                accountSid: TEST_ACCOUNT_SID,
                authToken: TEST_AUTH_TOKEN,
                lines: [
                  { address: SUPPORT, agent: 'support' },
                  { address: PLAIN, agent: 'plain' },
                ],
              },
            ],
          },
        },
      },
    );
    system.anthropic.setResponder(knowledgeResponder());
    system.tts.setTiming({ msPerChar: 5 });
    policy = await indexRefundPolicy(system);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  async function text(from: string, body: string, replies: number): Promise<string> {
    expect((await system.webhook('/twilio/messaging/inbound', inboundSms(from, body))).status).toBe(200);
    const sent = await eventually(
      `reply ${replies} to ${from}`,
      () => {
        const all = system.twilio.sentMessages({ to: from });
        return all.length >= replies && all;
      },
      60_000,
    );
    return sent[replies - 1]!.body;
  }

  async function customerIdOf(address: string): Promise<string> {
    const { json } = await system.api('GET', `/customers/by-address/${encodeURIComponent(address)}`);
    return json.customerId as string;
  }

  it('answers an SMS from the PDF and records the citation on the reply', async () => {
    const from = uniquePhone();
    const reply = await text(from, 'How long until my refund is paid to my card?', 1);
    expect(reply).toBe('Refunds are paid to the original card within 14 days of the return arriving at our warehouse.');
    // The model was given the passage, numbered, with its source; the customer got no marker.
    const asked = system.anthropic.requests.find((r) => requestText(r).includes('until my refund is paid'))!;
    expect(requestText(asked)).toMatch(/\[1\] Refund policy.*\(document, page 2\)/);
    const customerId = await customerIdOf(from);
    const history = await new MessageStore(system.db).recent(customerId, 10);
    const outbound = history.find((m) => m.direction === 'outbound')!;
    const page2 = policy.find((c) => c.text.includes('within 14 days'))!;
    expect(outbound.body).toBe(reply);
    expect(outbound.citations).toEqual([
      { chunkId: page2.id, kind: 'document', title: page2.title, source: page2.source },
    ]);
    // The operator API's history shows it.
    const api = await system.api('GET', `/customers/${customerId}/messages`);
    const shown = (api.json.messages as Array<{ direction: string; citations?: unknown }>).find(
      (m) => m.direction === 'outbound',
    );
    expect(shown?.citations).toEqual(outbound.citations);
  }, 120_000);

  it("finds a customer's own earlier call for them, and never another customer's or another account's", async () => {
    const alice = uniquePhone();
    const bob = uniquePhone();
    await text(alice, 'Hello there', 1);
    await text(bob, 'Hello there', 1);
    const [aliceId, bobId] = [await customerIdOf(alice), await customerIdOf(bob)];
    await system.knowledge.indexChunks([
      callChunk(TEST_ACCOUNT_SID, aliceId, 'CA' + 'a'.repeat(32), 'The gate code for the courier is 4471.'),
      callChunk(TEST_ACCOUNT_SID, bobId, 'CA' + 'b'.repeat(32), 'The gate code for the courier is 9902.'),
      // The same customer id under another account: the account boundary alone must keep it out.
      callChunk(SECOND_ACCOUNT_SID, aliceId, 'CA' + 'c'.repeat(32), 'The gate code for the courier is 5583.'),
    ]);
    const before = system.anthropic.requests.length;
    const reply = await text(alice, 'What gate code for the courier did I give you on the phone?', 2);
    expect(reply).toBe('The gate code for the courier is 4471.');
    const history = await new MessageStore(system.db).recent(aliceId, 10);
    expect(history.at(-1)!.citations).toEqual([
      expect.objectContaining({ chunkId: `call:CA${'a'.repeat(32)}:3:caller`, kind: 'call' }),
    ]);
    // What the model received for this answer: Alice's call only.
    const received = system.anthropic.requests.slice(before).map(requestText).join('\n');
    expect(received).toContain('4471');
    expect(received).not.toContain('9902');
    expect(received).not.toContain('5583');
  }, 120_000);

  async function callTurns(local: string, utterances: string[]): Promise<CallTurn[]> {
    system.stt.script(utterances);
    const call = await connectCall(system, { remote: uniquePhone(), local });
    await agentTurn(system, call.callSid, 0, 30_000);
    const turns: CallTurn[] = [];
    for (const [i] of utterances.entries()) {
      // Long enough for every word to show in a partial before the turn ends (one word per 200 ms).
      await call.caller.say({ durationMs: 2600, seed: 700 + i });
      turns.push(await agentTurn(system, call.callSid, i + 1, 30_000));
    }
    await call.caller.hangup();
    await callStatus(system, call.callSid, 'completed', { SequenceNumber: '3' });
    await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(call.callSid)).result();
    return turns;
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

  it('answers a call from knowledge retrieved while the caller spoke, without delaying the first audio', async () => {
    const questions = [
      'How long until my refund is paid',
      'Can opened items be returned',
      'What does return shipping cost',
    ];
    const withKnowledge = await callTurns(SUPPORT, questions);
    const without = await callTurns(PLAIN, questions);
    const budgetMs = system.config.get().knowledge.retrieval.voiceWaitBudgetMs;
    for (const turn of withKnowledge) {
      expect(turn.retrieval).toMatchObject({ outcome: 'speculative' });
      expect(turn.retrieval!.waitedMs).toBeLessThanOrEqual(budgetMs);
      expect(turn.text).not.toMatch(/\[\d+\]/);
      expect(turn.citations?.[0]?.kind).toBe('document');
      expect(turn.citations?.[0]?.source).toMatchObject({ documentId: 'refunds' });
    }
    expect(withKnowledge[0]!.text).toBe(
      'Refunds are paid to the original card within 14 days of the return arriving at our warehouse.',
    );
    const page3 = policy.find((c) => c.text.includes('Return shipping costs'))!;
    expect(withKnowledge[2]!.citations).toEqual([expect.objectContaining({ chunkId: page3.id })]);
    // No knowledge base: only the (verified) caller's own history is searched, and it holds nothing on this.
    for (const turn of without) {
      expect(turn.retrieval?.passages ?? 0).toBe(0);
      expect(turn.citations).toBeUndefined();
    }
    // What knowledge adds to the first audio is bounded by the budget (plus scheduling noise on a shared machine).
    const latency = (turns: CallTurn[]) => median(turns.map((t) => t.latency!.endOfSpeechToFirstAudioMs));
    expect(latency(withKnowledge)).toBeLessThanOrEqual(latency(without) + budgetMs + 100);
  }, 240_000);
});
