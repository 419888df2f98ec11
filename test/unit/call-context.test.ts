import { loadCallContext } from '../../src/realtime/call-context';
import { loadConfig } from '../../src/config/load';
import { defaultAgentFrom } from '../../src/agents/default-agent';
import { resolveAgent } from '../../src/agents/resolved-agent';
import type { CustomerMemoryStore } from '../../src/memory/customer-memory';
import type { MessageStore } from '../../src/memory/message-store';

/** Stores of a customer seen for the first time: no memory, no history. */
const empty = {
  memory: { get: () => Promise.resolve(undefined) } as unknown as CustomerMemoryStore,
  messages: { recent: () => Promise.resolve([]) } as unknown as MessageStore,
};

describe('the voice prompt names who is on the line', () => {
  const config = loadConfig({});
  const agent = resolveAgent(defaultAgentFrom(config), 1, config);

  it('the caller of an inbound call', async () => {
    const { system } = await loadCallContext(empty, agent, {
      customerId: 'cus_1',
      remote: '+14155550100',
      direction: 'inbound',
      trust: 'verified',
    });
    expect(system).toContain("The caller's phone number is +14155550100.");
  });

  it('the callee of a call we placed', async () => {
    const { system } = await loadCallContext(empty, agent, {
      customerId: 'cus_1',
      remote: '+14155550100',
      direction: 'outbound-api',
      trust: 'verified',
    });
    expect(system).toContain('The phone number of the person you called is +14155550100.');
    expect(system).not.toContain("The caller's phone number");
  });

  it.each(['anonymous', '+266696687', ''])(
    'never a withheld placeholder (%p), and nothing to pick up',
    async (remote) => {
      const { system, history } = await loadCallContext(empty, agent, {
        customerId: 'cus_1',
        remote,
        direction: 'inbound',
        trust: 'unverified',
      });
      expect(system).toContain('withheld their phone number');
      expect(system).not.toContain('phone number is');
      expect(system).not.toContain('pick up where you left off');
      expect(history).toEqual([]);
    },
  );
});

describe('what an unverified caller may hear of the stored memory', () => {
  const config = loadConfig({});
  const agent = resolveAgent(defaultAgentFrom(config), 1, config);
  const at = new Date('2026-11-01T10:00:00Z');
  /** A customer with a summary and an SMS thread. */
  const known = {
    memory: {
      get: () => Promise.resolve({ summary: 'Order 4471 ships Friday; lives at 12 Elm Street.', summarizedThrough: 0 }),
    } as unknown as CustomerMemoryStore,
    messages: {
      recent: () =>
        Promise.resolve([
          { seq: 1, direction: 'inbound', channel: 'sms', body: 'Where is order 4471?', createdAt: at },
          { seq: 2, direction: 'outbound', channel: 'sms', body: 'It ships Friday.', createdAt: at },
        ]),
    } as unknown as MessageStore,
  };
  const call = { customerId: 'cus_1', remote: '+14155550100', direction: 'inbound' };

  it('nothing of the summary or the history, and a rule not to reveal personal details', async () => {
    const { system, history } = await loadCallContext(known, agent, { ...call, trust: 'unverified' });
    expect(history).toEqual([]);
    expect(system).not.toContain('4471');
    expect(system).not.toContain('Elm Street');
    expect(system).not.toContain('pick up where you left off');
    expect(system).toContain('identity is not confirmed');
    expect(system).toContain('do not reveal');
    expect(system).toContain('send_verification_code');
  });

  it('never reads the stores for an unverified caller', async () => {
    const touched: string[] = [];
    const spying = {
      memory: { get: () => (touched.push('memory'), Promise.resolve(undefined)) } as unknown as CustomerMemoryStore,
      messages: { recent: () => (touched.push('messages'), Promise.resolve([])) } as unknown as MessageStore,
    };
    await loadCallContext(spying, agent, { ...call, trust: 'unverified' });
    expect(touched).toEqual([]);
  });

  it('a withheld caller is not offered a code (there is no number to send it to)', async () => {
    const { system } = await loadCallContext(known, agent, { ...call, remote: 'anonymous', trust: 'unverified' });
    expect(system).toContain('do not reveal');
    expect(system).not.toContain('send_verification_code');
  });

  it('once verified: the summary and the history', async () => {
    const { system, history } = await loadCallContext(known, agent, { ...call, trust: 'verified' });
    expect(system).toContain('Order 4471 ships Friday');
    expect(system).not.toContain('identity is not confirmed');
    expect(history).toHaveLength(2);
  });
});
