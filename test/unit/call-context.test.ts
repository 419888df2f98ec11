import { loadCallContext } from '../../src/realtime/call-context';
import { loadConfig } from '../../src/config/load';
import type { CustomerMemoryStore } from '../../src/memory/customer-memory';
import type { MessageStore } from '../../src/memory/message-store';

/** Stores of a customer seen for the first time: no memory, no history. */
const empty = {
  memory: { get: () => Promise.resolve(undefined) } as unknown as CustomerMemoryStore,
  messages: { recent: () => Promise.resolve([]) } as unknown as MessageStore,
};

describe('the voice prompt names who is on the line', () => {
  const config = loadConfig({});

  it('the caller of an inbound call', async () => {
    const { system } = await loadCallContext(empty, config, {
      customerId: 'cus_1',
      remote: '+14155550100',
      direction: 'inbound',
    });
    expect(system).toContain("The caller's phone number is +14155550100.");
  });

  it('the callee of a call we placed', async () => {
    const { system } = await loadCallContext(empty, config, {
      customerId: 'cus_1',
      remote: '+14155550100',
      direction: 'outbound-api',
    });
    expect(system).toContain('The phone number of the person you called is +14155550100.');
    expect(system).not.toContain("The caller's phone number");
  });

  it.each(['anonymous', '+266696687', ''])(
    'never a withheld placeholder (%p), and nothing to pick up',
    async (remote) => {
      const { system, history } = await loadCallContext(empty, config, {
        customerId: 'cus_1',
        remote,
        direction: 'inbound',
      });
      expect(system).toContain('withheld their phone number');
      expect(system).not.toContain('phone number is');
      expect(system).not.toContain('pick up where you left off');
      expect(history).toEqual([]);
    },
  );
});
