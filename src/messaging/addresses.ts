/** Channels a customer can reach us on. */
export type Channel = 'sms' | 'whatsapp' | 'conversations' | 'voice';

export interface ChannelAddress {
  channel: Channel;
  /** The address without its channel prefix, e.g. "+14155550100". */
  address: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** Splits a Twilio address ("+1415...", "whatsapp:+1415...") into channel and bare address. */
export function parseTwilioAddress(raw: string): ChannelAddress {
  const value = raw.trim();
  if (value.startsWith('whatsapp:')) return { channel: 'whatsapp', address: value.slice('whatsapp:'.length) };
  return { channel: 'sms', address: value };
}

/** Puts the channel prefix back for sending on the same channel. */
export function formatTwilioAddress({ channel, address }: ChannelAddress): string {
  return channel === 'whatsapp' ? `whatsapp:${address}` : address;
}

/**
 * The identity key a person is known by across channels: SMS +E164 and WhatsApp whatsapp:+E164
 * of the same number are the same person.
 */
export function identityKey(raw: string): string {
  const { address } = parseTwilioAddress(raw);
  return E164.test(address) ? `phone:${address}` : `address:${address.toLowerCase()}`;
}
