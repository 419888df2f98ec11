/**
 * Who a caller is, as far as their number tells. A caller who withholds their number arrives with a
 * placeholder in `From` that every such caller shares; resolving it as an address would give all of
 * them one customer (one memory, one history). Such a caller is a stranger: a fresh customer per call.
 *
 * Twilio's placeholders: since May 2023 a withheld caller ID reaches Programmable Voice as
 * `anonymous` in `From` ("Changes to withheld caller ID behavior", Twilio changelog, 2023-05-17);
 * before that, and still on some <Dial> legs, Twilio "translates the alpha string into digits"
 * (e.g. ANONYMOUS, RESTRICTED: "Upcoming changes to withheld caller ID behavior for <Dial> calls",
 * Twilio changelog, 2022-11-16) by the phone keypad, so ANONYMOUS arrives as +266696687 and
 * RESTRICTED as +7378742833. Carriers may also send invalid caller IDs (Twilio error 13214's notes).
 */
const WITHHELD_WORDS = ['anonymous', 'restricted', 'unknown', 'private', 'blocked', 'unavailable', 'withheld'];

const KEYPAD: Record<string, string> = {};
for (const [digit, letters] of Object.entries({
  2: 'abc',
  3: 'def',
  4: 'ghi',
  5: 'jkl',
  6: 'mno',
  7: 'pqrs',
  8: 'tuv',
  9: 'wxyz',
}))
  for (const letter of letters) KEYPAD[letter] = digit;

/** ANONYMOUS → 266696687, RESTRICTED → 7378742833, UNKNOWN → 8656696, BLOCKED → 2562533, UNAVAILABLE → 86282452253 … */
const KEYPAD_PLACEHOLDERS = new Set(WITHHELD_WORDS.map((word) => [...word].map((c) => KEYPAD[c]).join('')));

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * True when a caller's `From` identifies nobody: empty, one of Twilio's withheld placeholders (as a
 * word or in keypad digits, any case, with or without `+`), or not a phone number at all. A Voice SDK
 * client (`client:…`) or SIP address (`sip:…`) is an identity of its own and is not withheld.
 */
export function isWithheldNumber(from: string): boolean {
  const value = from.trim().toLowerCase();
  if (value.startsWith('client:') || value.startsWith('sip:')) return false;
  const bare = value.replace(/^\+/, '');
  if (!bare || WITHHELD_WORDS.includes(bare) || KEYPAD_PLACEHOLDERS.has(bare)) return true;
  return !E164.test(value);
}

/**
 * The address a call's customer is resolved by: the remote party's number, or for a withheld one
 * `call:<CallSid>`, a customer of this call alone. The gateway's webhooks and the media stream of the
 * same call agree on it; no two calls share it.
 */
export function callCustomerAddress(callSid: string, remote: string): string {
  return isWithheldNumber(remote) ? `call:${callSid}` : remote;
}
