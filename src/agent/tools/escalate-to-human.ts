import { z } from 'zod';
import { makeEvent } from '../../events/make-event';
import { sendSms } from '../../messaging/send-sms';
import { defineTool } from './types';

/** The on-call page goes out by SMS: from our number on this channel, else the account's first SMS number. */
function smsSender(agentAddress: string, accountNumbers: string[]): string {
  const bare = agentAddress.replace(/^whatsapp:/, '');
  if (/^\+\d+$/.test(bare)) return bare;
  const number = accountNumbers.find((n) => /^\+\d+$/.test(n));
  if (!number) throw new Error("no SMS number to page the on-call number from: list one in the account's phoneNumbers");
  return number;
}

/**
 * Hands the customer to a person: in a Conversation the configured human joins it as a
 * participant; otherwise the on-call number gets an SMS with who and why.
 */
export const escalateToHumanTool = defineTool({
  spec: {
    name: 'escalate_to_human',
    description:
      'Bring a human colleague in when the customer asks for a person, is upset, or needs something you cannot do. Tell the customer a person will follow up.',
    inputSchema: {
      type: 'object',
      properties: {
        reason: { type: 'string', description: 'why a human is needed, in one sentence' },
        urgency: { type: 'string', enum: ['normal', 'urgent'] },
      },
      required: ['reason'],
    },
  },
  input: z.object({ reason: z.string().min(1).max(500), urgency: z.enum(['normal', 'urgent']).default('normal') }),
  async run(input, context, deps) {
    const eventId = `escalation:${context.toolCallId}`;
    const { escalation } = deps.config();
    const client = deps.twilio.client(context.accountSid);
    let via: string;
    if (context.conversationSid && escalation.humanIdentity) {
      try {
        await client.conversations.v1
          .conversations(context.conversationSid)
          .participants.create({ identity: escalation.humanIdentity });
      } catch (error) {
        // 50433: already a participant — a retried attempt already did it.
        if ((error as { code?: number }).code !== 50433) throw error;
      }
      via = `participant ${escalation.humanIdentity} added to ${context.conversationSid}`;
    } else if (escalation.onCallNumber) {
      if (!(await deps.events.exists(eventId))) {
        const body = `[${input.urgency.toUpperCase()}] Customer ${context.customerAddress} needs a person: ${input.reason}`;
        // In the on-call number's own history (not the customer's: the agent must not read it as its reply).
        await sendSms(deps, {
          idempotencyKey: eventId,
          customerId: await deps.identities.resolve(context.accountSid, escalation.onCallNumber),
          accountSid: context.accountSid,
          to: escalation.onCallNumber,
          from: smsSender(context.agentAddress, deps.twilio.get(context.accountSid)?.phoneNumbers ?? []),
          body,
        });
      }
      via = `on-call number notified`;
    } else {
      throw new Error('escalation is not configured: set ESCALATION_ON_CALL_NUMBER or ESCALATION_HUMAN_IDENTITY');
    }
    await deps.publish(
      makeEvent('escalation.requested', {
        id: eventId,
        source: 'beluga',
        accountSid: context.accountSid,
        customerId: context.customerId,
        data: { reason: input.reason, urgency: input.urgency, via },
      }),
    );
    return { escalated: true, via };
  },
});
