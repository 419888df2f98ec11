import Anthropic from '@anthropic-ai/sdk';
import { AnthropicEmulator, knowledgeResponder, passagesIn } from '../../devstack/emulators/anthropic';

/** The emulator answers from the numbered passages a request carries, as a grounded model does, citing [n]. */
describe('the Anthropic emulator answering from knowledge passages', () => {
  const emulator = new AnthropicEmulator({ responder: knowledgeResponder() });
  let client: Anthropic;
  beforeAll(async () => {
    client = new Anthropic({ apiKey: 'k', baseURL: await emulator.start() });
  });
  afterAll(() => emulator.stop());

  const system = [
    'You are helpful.',
    'Knowledge passages retrieved for the customer:',
    '',
    '[1] Opening hours (document)',
    'We are open 9 to 5 on weekdays.',
    '',
    '[2] Refund policy (document, page 2)',
    'Orders can be returned within 30 days. Refunds are paid within 14 days of the return arriving.',
  ].join('\n');

  it('answers with the best-matching sentence of the best passage and cites it', async () => {
    const reply = await client.messages.create({
      model: 'claude-test',
      max_tokens: 100,
      system,
      messages: [{ role: 'user', content: 'How long until my refund is paid?' }],
    });
    expect(reply.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Refunds are paid within 14 days of the return arriving [2].' }),
    ]);
    expect(passagesIn(emulator.requests.at(-1)!).map((p) => p.n)).toEqual([1, 2]);
  });

  it('searches with search_knowledge when nothing matches and the tool is offered, else falls back', async () => {
    const tools = [
      { name: 'search_knowledge', description: 'search', input_schema: { type: 'object' as const, properties: {} } },
    ];
    const asked = await client.messages.create({
      model: 'claude-test',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Do you ship parcels abroad?' }],
      tools,
    });
    expect(asked.content).toEqual([
      expect.objectContaining({
        type: 'tool_use',
        name: 'search_knowledge',
        input: { query: 'Do you ship parcels abroad?' },
      }),
    ]);
    const plain = await client.messages.create({
      model: 'claude-test',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Do you ship parcels abroad?' }],
    });
    expect(plain.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'You said: Do you ship parcels abroad?' }),
    ]);
  });
});
