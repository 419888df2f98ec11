import { isWithheldNumber } from '../src/customers/caller-identity';
import type { IdentityStore } from '../src/customers/identity-store';
import type { VerificationStore } from '../src/customers/verification-store';
import { sendSms, type SmsDeps } from '../src/messaging/send-sms';
import { twilioFailure } from '../src/telephony/twilio/errors';
import { toolCallIdOf, type ToolOutcome, type ToolRequestPayload } from '../src/voice/call-types';

export interface VerificationDeps extends SmsDeps {
  identities: IdentityStore;
  verifications: VerificationStore;
}

interface VerificationCall {
  callSid: string;
  accountSid: string;
  remote: string;
  local: string;
  request: ToolRequestPayload;
}

/**
 * The voice tools that confirm a caller is at the number on file (their caller ID alone is not
 * trusted: src/customers/caller-trust.ts). Their results are what the model hears: short, and
 * never the code.
 */
export async function sendVerificationCode(deps: VerificationDeps, call: VerificationCall): Promise<ToolOutcome> {
  if (isWithheldNumber(call.remote))
    return { ok: false, result: 'The caller withheld their number: no code can be sent, so they cannot be verified.' };
  if (!call.remote.startsWith('+') || !call.local.startsWith('+'))
    return { ok: false, result: 'The caller has no number a code can be texted to, so they cannot be verified.' };
  const idempotencyKey = `verify:${call.callSid}:${toolCallIdOf(call.request)}`;
  const sent = 'A 6-digit code was texted to the number on file. Ask the caller to read it to you.';
  // A retried attempt whose text already went out keeps that code (a new one would not match the text).
  if ((await deps.messages.get(idempotencyKey))?.twilioSid) return { ok: true, result: sent };
  const issued = await deps.verifications.issue({
    id: `${call.callSid}:${toolCallIdOf(call.request)}`,
    callSid: call.callSid,
    accountSid: call.accountSid,
    address: call.remote,
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
    customerId: await deps.identities.resolve(call.accountSid, call.remote),
    accountSid: call.accountSid,
    from: call.local,
    to: call.remote,
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
}

export async function checkVerificationCode(deps: VerificationDeps, call: VerificationCall): Promise<ToolOutcome> {
  const code = typeof call.request.input.code === 'string' ? call.request.input.code.replace(/\D/g, '') : '';
  if (code.length !== 6)
    return { ok: false, result: 'check_verification_code needs the 6 digits the caller read out.' };
  const checked = await deps.verifications.check(call.callSid, code);
  switch (checked.status) {
    case 'verified':
      return {
        ok: true,
        verified: true,
        result:
          'Verified: the caller is the owner of the number on file. Their earlier conversations are now available to you.',
      };
    case 'wrong':
      return {
        ok: false,
        result: checked.checksLeft
          ? `That code is not correct (${checked.checksLeft} tries left).`
          : 'That code is not correct, and no tries are left: offer to send a new code.',
      };
    case 'expired':
      return { ok: false, result: 'The code has expired: offer to send a new one.' };
    case 'exhausted':
      return { ok: false, result: 'Too many wrong tries for this code: offer to send a new one.' };
    case 'none':
      return { ok: false, result: 'No code was sent on this call: send one first.' };
  }
}
