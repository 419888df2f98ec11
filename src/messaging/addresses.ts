/** Channels a customer can reach us on. */
export type Channel = 'sms' | 'whatsapp' | 'conversations' | 'voice';

export interface ChannelAddress {
  channel: Channel;
  /** The address without its channel prefix, e.g. "+14155550100". */
  address: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A Twilio Conversations chat participant has an identity instead of a phone address; we write
 * it `identity:<name>` wherever an address is expected.
 */
export const IDENTITY_PREFIX = 'identity:';

/** Splits a Twilio address ("+1415...", "whatsapp:+1415...", "identity:alice") into channel and bare address. */
export function parseTwilioAddress(raw: string): ChannelAddress {
  const value = raw.trim();
  if (value.startsWith('whatsapp:')) return { channel: 'whatsapp', address: value.slice('whatsapp:'.length) };
  if (value.startsWith(IDENTITY_PREFIX))
    return { channel: 'conversations', address: value.slice(IDENTITY_PREFIX.length) };
  return { channel: 'sms', address: value };
}

/**
 * The identity key a person is known by across channels: SMS +E164 and WhatsApp whatsapp:+E164
 * of the same number are the same person. A Conversations chat identity is its own key
 * (`identity:<name>`, case kept: Twilio identities are case-sensitive).
 */
export function identityKey(raw: string): string {
  const { channel, address } = parseTwilioAddress(raw);
  if (channel === 'conversations') return `${IDENTITY_PREFIX}${address}`;
  return E164.test(address) ? `phone:${address}` : `address:${address.toLowerCase()}`;
}
