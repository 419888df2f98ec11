import { z } from 'zod';
import { flattenForm, type FormParams } from './inbound';

/** A message status callback from Twilio (Programmable Messaging). */
export interface MessageStatusCallback {
  messageSid: string;
  accountSid: string;
  status: string;
  errorCode?: number;
  to?: string;
  from?: string;
  receivedAt: string;
  /** Our idempotency key of the send, from the StatusCallback URL (`withSendKey`): binds it to `messageSid`. */
  sendKey?: string;
}

/** Twilio's status words (sent, delivered, partially_delivered…); the status ends up in a workflow id, so nothing else. */
const StatusWord = z
  .string()
  .regex(/^[a-z_-]{1,40}$/, 'must be a Twilio message status')
  .optional();

const StatusForm = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'must be a Twilio message sid'),
  AccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
  MessageStatus: StatusWord,
  SmsStatus: StatusWord,
  ErrorCode: z.coerce.number().int().optional(),
  To: z.string().optional(),
  From: z.string().optional(),
});

export function parseStatusCallback(
  params: FormParams,
  now: Date = new Date(),
  sendKey?: string,
): MessageStatusCallback {
  const flat = flattenForm(params);
  const form = StatusForm.parse(flat);
  const status = form.MessageStatus ?? form.SmsStatus;
  if (!status)
    throw new z.ZodError([{ code: 'custom', path: ['MessageStatus'], message: 'required', input: undefined }]);
  return {
    messageSid: form.MessageSid,
    accountSid: form.AccountSid,
    status,
    ...(form.ErrorCode ? { errorCode: form.ErrorCode } : {}),
    ...(form.To ? { to: form.To } : {}),
    ...(form.From ? { from: form.From } : {}),
    receivedAt: now.toISOString(),
    ...(sendKey ? { sendKey } : {}),
  };
}
