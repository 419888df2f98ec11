import { z } from 'zod';
import { isWithheldNumber } from '../../customers/caller-identity';
import { sendSms } from '../../messaging/send-sms';
import { twilioFailure } from '../../telephony/twilio/errors';
import { defineTool } from './built-in-tool';
import { toolIdempotencyKey } from './idempotency';

/**
 * Confirms a caller is at the number on file (their caller ID alone is not trusted:
 * src/customers/caller-trust.ts): a random 6-digit code texted there, checked by
 * `check_verification_code`. What the model hears is short, and never the code. Offered on a call
 * to an unverified caller whatever the agent's tools are (the identity rule).
 */
export const sendVerificationCodeTool = defineTool({
  name: 'send_verification_code',
  description:
    "Text a 6-digit code to the number on file, to confirm the caller is its owner before you discuss anything personal. Use it when the caller's identity is not confirmed and they ask about their account, orders or earlier conversations.",
  input: z.object({}),
  channels: ['voice'],
  repeatSafe: false,
  async run(_input, context, deps) {
    const remote = context.customerAddress;
    if (isWithheldNumber(remote))
      return {
        ok: false,
        result: 'The caller withheld their number: no code can be sent, so they cannot be verified.',
      };
    if (!context.callSid || !remote.startsWith('+') || !context.agentAddress.startsWith('+'))
      return { ok: false, result: 'The caller has no number a code can be texted to, so they cannot be verified.' };
    const idempotencyKey = toolIdempotencyKey('verify', context);
    const sent = 'A 6-digit code was texted to the number on file. Ask the caller to read it to you.';
    // A retried attempt whose text already went out keeps that code (a new one would not match the text).
    if ((await deps.messages.get(idempotencyKey))?.twilioSid) return { ok: true, result: sent };
    const issued = await deps.verifications.issue({
      id: `${context.callSid}:${context.toolCallId}`,
      callSid: context.callSid,
      accountSid: context.accountSid,
      address: remote,
    });
    if (issued.status === 'limited')
      return {
        ok: false,
        result:
          issued.reason === 'call'
            ? 'No more codes can be sent on this call.'
            : 'Too many codes were sent to this number in the last hour; the caller can try again later.',
      };
    const text = {
      idempotencyKey,
      customerId: await deps.identities.resolve(context.accountSid, remote),
      accountSid: context.accountSid,
      from: context.agentAddress,
      to: remote,
      body: `Your verification code is ${issued.code}. It expires in 10 minutes.`,
      // The history (read by the model and the operator API) never holds the code itself.
      recordedBody: 'Your verification code is ******. It expires in 10 minutes.',
    };
    try {
      await sendSms(deps, text, 'send the verification code');
    } catch (error) {
      const failure = twilioFailure(error, 'send the verification code');
      if (!failure.nonRetryable) throw failure;
      return { ok: false, result: 'The code could not be texted to the number on file.' };
    }
    return { ok: true, result: sent };
  },
});
