import { z } from 'zod';
import { defineTool } from './built-in-tool';

/**
 * What we know about the customer: addresses on every channel, long-term memory, recent history
 * with delivery states. On a call only for a verified caller (src/customers/caller-trust.ts): a
 * number alone may be spoofed, so an unverified caller learns nothing personal from it.
 */
export const lookupCustomerTool = defineTool({
  name: 'lookup_customer',
  description:
    "Look up the customer's profile: their known addresses (phone, WhatsApp, ...), what we remember about them, and their most recent messages across channels.",
  input: z.object({
    recentMessages: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(10)
      .describe('how many recent messages to include (default 10)'),
  }),
  channels: ['voice', 'messaging'],
  repeatSafe: true,
  filler: 'Let me pull up your details.',
  async run(input, context, deps) {
    if (context.channel === 'voice' && !context.callerVerified)
      return {
        ok: false,
        result:
          "The caller's identity is not confirmed, so nothing about the customer can be shared. Offer to verify them: send_verification_code texts a code to the number on file.",
      };
    const [addresses, memory, recent] = await Promise.all([
      deps.identities.addresses(context.customerId),
      deps.memory.get(context.customerId),
      deps.messages.recent(context.customerId, input.recentMessages),
    ]);
    const profile = {
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
    return { ok: true, result: JSON.stringify(profile) };
  },
});
