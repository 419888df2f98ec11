/**
 * How far the number of the person on the line is trusted: the one rule for it. Caller ID can be
 * spoofed; only a number the originating carrier vouches for with full STIR/SHAKEN attestation
 * (Twilio's `StirVerstat` `TN-Validation-Passed-A`: the carrier knows the customer and that they may
 * use the number), or the number we dialled ourselves, is taken as the customer. B (the carrier
 * knows the customer, not the number), C (a gateway passed it on), a failed or absent validation,
 * and a withheld number are unverified: such a caller hears nothing of the stored memory until they
 * confirm a code sent to the number on file (SMS and WhatsApp senders are not judged here: the
 * channel itself delivered from that address).
 */
export type CallerTrust = 'verified' | 'unverified';

export const CALLER_TRUST_LEVELS: readonly CallerTrust[] = ['verified', 'unverified'];

const FULL_ATTESTATION = 'TN-Validation-Passed-A';

export function callerTrust(call: {
  /** Twilio's `Direction`: `inbound`, or `outbound-api`/`outbound-dial` for a call we placed. */
  direction: string;
  /** Twilio's `StirVerstat`, when the webhook had one. */
  stirVerstat?: string | undefined;
  /** The remote party withheld their number (`isWithheldNumber`). */
  withheld: boolean;
  /** `voice.requireVerification`: every inbound caller confirms a code first. */
  requireVerification: boolean;
}): CallerTrust {
  if (call.withheld) return 'unverified';
  // We dialled the number: whoever answers is at the number on file.
  if (call.direction.startsWith('outbound')) return 'verified';
  if (call.requireVerification) return 'unverified';
  return call.stirVerstat?.trim() === FULL_ATTESTATION ? 'verified' : 'unverified';
}
