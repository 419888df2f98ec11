import { z } from 'zod';
import { makeEvent } from '../../events/make-event';
import { sendSms } from '../../messaging/send-sms';
import type { ToolContext } from '../tool-calls';
import { defineTool, type ToolDeps } from './built-in-tool';
import { toolIdempotencyKey } from './idempotency';
import { actOnce } from '../../storage/side-effects';

/** The on-call page goes out by SMS: from our number on this channel, else the account's first SMS number. */
function smsSender(agentAddress: string, accountNumbers: string[]): string {
  const bare = agentAddress.replace(/^whatsapp:/, '');
  if (/^\+\d+$/.test(bare)) return bare;
  const number = accountNumbers.find((n) => /^\+\d+$/.test(n));
  if (!number) throw new Error("no SMS number to page the on-call number from: list one in the account's phoneNumbers");
  return number;
}

export interface EscalationRequest {
  reason: string;
  urgency: 'normal' | 'urgent';
}

/**
 * Brings a person in, once per key (`escalation:<…>`, also the `escalation.requested` event's id):
 * the escalation is recorded first (the side-effect ledger), then the person is paged, then it is
 * marked done, and only then announced. In a Conversation the configured human joins it as a
 * participant (already a participant: done); otherwise the on-call number gets an SMS with who and
 * why (`sendSms` under the same key finds a page an earlier attempt sent). Used by the tool and by
 * `platform.escalate`.
 */
export async function escalateToPerson(
  deps: Omit<ToolDeps, 'verifications' | 'memory'>,
  context: ToolContext,
  request: EscalationRequest,
): Promise<{ escalated: true; via: string }> {
  const eventId = toolIdempotencyKey('escalation', context);
  const { escalation } = deps.config();
  const client = deps.twilio.client(context.accountSid);
  const conversationSid = context.conversationSid;
  if (!(conversationSid && escalation.humanIdentity) && !escalation.onCallNumber)
    throw new Error('escalation is not configured: set ESCALATION_ON_CALL_NUMBER or ESCALATION_HUMAN_IDENTITY');
  // Recorded before anyone is paged: a retry after a crash finds it, and pages only through the
  // page's own key (sendSms finds an SMS an earlier attempt sent; a participant cannot join twice).
  const { via } = await actOnce<{ via: string }>(deps.sideEffects, eventId, 'escalation', {
    act: async () => {
      if (conversationSid && escalation.humanIdentity) {
        try {
          await client.conversations.v1
            .conversations(conversationSid)
            .participants.create({ identity: escalation.humanIdentity });
        } catch (error) {
          // 50433: already a participant — a retried attempt already did it.
          if ((error as { code?: number }).code !== 50433) throw error;
        }
        return { via: `participant ${escalation.humanIdentity} added to ${conversationSid}` };
      }
      const onCallNumber = escalation.onCallNumber!;
      const body = `[${request.urgency.toUpperCase()}] Customer ${context.customerAddress} needs a person: ${request.reason}`;
      // In the on-call number's own history (not the customer's: the agent must not read it as its reply).
      await sendSms(deps, {
        idempotencyKey: eventId,
        customerId: await deps.identities.resolve(context.accountSid, onCallNumber),
        accountSid: context.accountSid,
        to: onCallNumber,
        from: smsSender(context.agentAddress, deps.twilio.get(context.accountSid)?.phoneNumbers ?? []),
        body,
      });
      return { via: 'on-call number notified' };
    },
  });
  await deps.publish(
    makeEvent('escalation.requested', {
      id: eventId,
      source: 'beluga',
      accountSid: context.accountSid,
      customerId: context.customerId,
      data: { reason: request.reason, urgency: request.urgency, via },
    }),
  );
  return { escalated: true, via };
}

/**
 * An escalation with no page configured: the waiting queue of the console is where a person finds
 * it; announced as `escalation.requested` (same id as a paged one) all the same.
 */
async function announceQueued(
  deps: Pick<ToolDeps, 'publish'>,
  context: ToolContext,
  request: EscalationRequest,
): Promise<{ via: string }> {
  const via = 'waiting queue';
  await deps.publish(
    makeEvent('escalation.requested', {
      id: toolIdempotencyKey('escalation', context),
      source: 'beluga',
      accountSid: context.accountSid,
      customerId: context.customerId,
      data: { reason: request.reason, urgency: request.urgency, via },
    }),
  );
  return { via };
}

/**
 * Hands a text conversation to a person. Not offered on calls: there `transfer_call` puts the
 * caller through to a person at once.
 */
export const escalateToHumanTool = defineTool({
  name: 'escalate_to_human',
  description:
    'Bring a human colleague in when the customer asks for a person, is upset, or needs something you cannot do. Tell the customer a person will answer them shortly.',
  input: z.object({
    reason: z.string().min(1).max(500).describe('why a human is needed, in one sentence'),
    urgency: z.enum(['normal', 'urgent']).default('normal'),
  }),
  channels: ['messaging'],
  repeatSafe: false,
  async run(input, context, deps) {
    const { escalation } = deps.config();
    const pageable = Boolean(escalation.onCallNumber || (context.conversationSid && escalation.humanIdentity));
    // A text conversation of a workflow with the waiting queue always reaches a person: the console's queue.
    const queued = context.channel === 'messaging' && context.humanQueue === true;
    if (!pageable && !queued)
      return { ok: false, result: 'No colleague can be reached from here (escalation is not configured).' };
    const { via } = pageable
      ? await escalateToPerson(deps, context, input)
      : await announceQueued(deps, context, input);
    if (!queued) return { ok: true, result: JSON.stringify({ escalated: true, via }) };
    return {
      ok: true,
      result: JSON.stringify({
        escalated: true,
        via,
        next: 'A person from the team takes this conversation over after your reply. Tell the customer now that a person will answer them here shortly; do not promise anything else.',
      }),
      humanTakeover: { reason: input.reason },
    };
  },
});
