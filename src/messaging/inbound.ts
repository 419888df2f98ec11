import { z } from 'zod';
import { parseTwilioAddress, type Channel } from './addresses';

export interface MediaRef {
  url: string;
  contentType: string;
}

/** An inbound SMS/MMS/WhatsApp message as the platform sees it (the workflow signal payload). */
export interface InboundMessage {
  messageSid: string;
  accountSid: string;
  channel: Channel;
  /** Raw Twilio addresses, channel prefix included. */
  from: string;
  to: string;
  body: string;
  media: MediaRef[];
  profileName?: string;
  /** Set for messages that arrived through a Twilio Conversation; the reply goes back there. */
  conversationSid?: string;
  /** The Conversations service of that Conversation (the line it arrived on, for routing to an agent). */
  chatServiceSid?: string;
  receivedAt: string;
}

const InboundForm = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'must be a Twilio message sid'),
  AccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
  From: z.string().min(1),
  To: z.string().min(1),
  Body: z.string().default(''),
  NumMedia: z.coerce.number().int().min(0).max(10).default(0),
  ProfileName: z.string().optional(),
});

export type FormParams = Record<string, string | string[] | undefined>;

/** One value per field (Twilio repeats keys only for lists we don't read); empty fields dropped. */
export function flattenForm(params: FormParams): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(params)) {
    const one = Array.isArray(value) ? value[0] : value;
    if (one !== undefined && one !== '') flat[key] = one;
  }
  return flat;
}

/** Parses Twilio's messaging webhook form; throws a ZodError naming the bad field. */
export function parseInboundMessage(params: FormParams, now: Date = new Date()): InboundMessage {
  const flat = flattenForm(params);
  const form = InboundForm.parse(flat);
  const media: MediaRef[] = [];
  for (let i = 0; i < form.NumMedia; i++) {
    const url = flat[`MediaUrl${i}`];
    if (url) media.push({ url, contentType: flat[`MediaContentType${i}`] ?? 'application/octet-stream' });
  }
  return {
    messageSid: form.MessageSid,
    accountSid: form.AccountSid,
    channel: parseTwilioAddress(form.From).channel,
    from: form.From,
    to: form.To,
    body: form.Body,
    media,
    ...(form.ProfileName ? { profileName: form.ProfileName } : {}),
    receivedAt: now.toISOString(),
  };
}
