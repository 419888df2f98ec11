import { z } from 'zod';
import { defineTool } from './types';

/** What we know about the customer: addresses on every channel, long-term memory, recent history with delivery states. */
export const lookupCustomerTool = defineTool({
  spec: {
    name: 'lookup_customer',
    description:
      "Look up the customer's profile: their known addresses (phone, WhatsApp, ...), what we remember about them, and their most recent messages across channels.",
    inputSchema: {
      type: 'object',
      properties: {
        recentMessages: {
          type: 'integer',
          minimum: 1,
          maximum: 50,
          description: 'how many recent messages to include (default 10)',
        },
      },
    },
  },
  input: z.object({ recentMessages: z.number().int().min(1).max(50).default(10) }),
  async run(input, context, deps) {
    const [addresses, memory, recent] = await Promise.all([
      deps.identities.addresses(context.customerId),
      deps.memory.get(context.customerId),
      deps.messages.recent(context.customerId, input.recentMessages),
    ]);
    return {
      customerId: context.customerId,
      addresses,
      memory: memory?.summary ?? null,
      recentMessages: recent.map((m) => ({
        direction: m.direction,
        channel: m.channel,
        body: m.body,
        at: m.createdAt.toISOString(),
        status: m.status,
      })),
    };
  },
});
