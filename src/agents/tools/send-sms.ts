import { z } from 'zod';
import { isWithheldNumber } from '../../customers/caller-identity';
import { sendSms } from '../../messaging/send-sms';
import { twilioFailure } from '../../telephony/twilio/errors';
import type { ToolContext } from '../tool-calls';
import { defineTool, type ToolDeps } from './built-in-tool';
import { toolIdempotencyKey } from './idempotency';

const TEXTABLE = /^(whatsapp:)?\+\d{7,15}$/;

/** The customer's history the text belongs to: the call's or conversation's customer. */
async function customerOf(context: ToolContext, deps: ToolDeps): Promise<string> {
  return context.customerId || deps.identities.resolve(context.accountSid, context.customerAddress);
}

/**
 * Texts the customer at the address they are reaching us from (on a call: the caller's number),
 * once per tool call: `sendSms` with the key `sms:<call or message sid>:<tool-call id>` records the
 * text before sending and finds it sent on a retry.
 */
export const sendSmsTool = defineTool({
  name: 'send_sms',
  description:
    'Text the customer something they should have in writing (a link, an address, a reference number). It goes to the number they are calling or writing from, as a separate message.',
  input: z.object({ message: z.string().trim().min(1).max(1_600).describe('the exact text to send') }),
  channels: ['voice', 'messaging'],
  repeatSafe: false,
  async run(input, context, deps) {
    const to = context.customerAddress;
    if (context.channel === 'voice' && isWithheldNumber(to))
      return { ok: false, result: 'The caller withheld their number: no text can be sent to them.' };
    if (!TEXTABLE.test(to) || !TEXTABLE.test(context.agentAddress))
      return { ok: false, result: 'The customer has no number a text can be sent to.' };
    try {
      // Recorded in the customer's history with a status callback, like any message we send.
      await sendSms(
        deps,
        {
          idempotencyKey: toolIdempotencyKey('sms', context),
          customerId: await customerOf(context, deps),
          accountSid: context.accountSid,
          from: context.agentAddress,
          to,
          body: input.message,
        },
        'send the text',
      );
    } catch (error) {
      const failure = twilioFailure(error, 'send the text');
      // Throttling, a Twilio outage, a lost answer: the activity retries (the key keeps it to one text).
      if (!failure.nonRetryable) throw failure;
      return { ok: false, result: `Could not send the text: ${(failure.cause ?? failure).message}` };
    }
    return { ok: true, result: `Text sent to ${to.replace(/^whatsapp:/, '')}.` };
  },
});
