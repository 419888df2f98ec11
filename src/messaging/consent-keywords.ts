/**
 * The keywords an inbound SMS/WhatsApp message may consist of to change consent, as Twilio's
 * default opt-out handling on long codes knows them. Only the whole message counts ("stop please"
 * is an ordinary message), trimmed and case-insensitive.
 */
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const OPT_IN = new Set(['START', 'UNSTOP']);
/** Opts back in only when the address is opted out; otherwise it is an ordinary answer to the agent. */
const OPT_IN_WHEN_OPTED_OUT = new Set(['YES']);
const HELP = new Set(['HELP', 'INFO']);

export type ConsentKeyword = 'opt_out' | 'opt_in' | 'help';

/** What the message means for consent, given whether its sender is opted out now; undefined: an ordinary message. */
export function consentKeyword(body: string, optedOut: boolean): ConsentKeyword | undefined {
  const word = body.trim().toUpperCase();
  if (OPT_OUT.has(word)) return 'opt_out';
  if (OPT_IN.has(word) || (optedOut && OPT_IN_WHEN_OPTED_OUT.has(word))) return 'opt_in';
  if (HELP.has(word)) return 'help';
  return undefined;
}
