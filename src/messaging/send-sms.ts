import type { Config } from '../config/schema';
import type { HumanAuthor, MessageStore } from '../memory/message-store';
import type { Citation } from '../knowledge/citations';
import { callbackUrls } from '../telephony/twilio/callback-urls';
import type { TwilioAccounts } from '../telephony/twilio/accounts';
import { twilioErrorCode, twilioFailure } from '../telephony/twilio/errors';
import { parseTwilioAddress } from './addresses';
import { recordTwilioOptOut, refuseIfOptedOut, TWILIO_UNSUBSCRIBED, type ConsentDeps } from './consent-guard';
import { sendFormFor, type SendPurpose } from './whatsapp-window';
import { sendOnce } from './send-once';
import { withSendKey } from '../telephony/twilio/send-key';

export interface SmsDeps extends ConsentDeps {
  config: () => Config;
  twilio: TwilioAccounts;
  messages: MessageStore;
}

export interface SmsRequest {
  /** Same key, same message: a retried attempt never sends twice once Twilio accepted it. */
  idempotencyKey: string;
  /** Whose history the message belongs to. */
  customerId: string;
  accountSid: string;
  from: string;
  /** `+E164` (SMS) or `whatsapp:+E164`. */
  to: string;
  body: string;
  /** What the history keeps instead of `body` when the text carries a secret (a verification code). */
  recordedBody?: string;
  /**
   * Why it is sent (default `notification`): outside WhatsApp's 24-hour window it picks the
   * approved template (`follow_up` → the account's followUp template, else its default).
   */
  purpose?: SendPurpose;
  /** The agent that wrote it, kept with the message in the history. */
  agentId?: string;
  /** The knowledge chunks the reply used, kept with the message in the history. */
  citations?: Citation[];
  /** A person wrote it (an operator replying as the business), kept with the message in the history. */
  humanAuthor?: HumanAuthor;
}

/** How far Twilio's clock may be from ours when an earlier attempt's message is looked for. */
const CLOCK_SKEW_MS = 60_000;
/** The newest messages between the two numbers that are looked through. */
const RECENT_AT_TWILIO = 50;

/**
 * A message an earlier attempt sent whose answer was lost: the newest from → to with the same
 * body, created since that attempt recorded the text, and not already another message of ours.
 * Listed by To/From, filtered on the creation time here: Twilio's DateSent filter would miss a
 * message still queued (it has no date_sent yet). Template sends are not matched (Twilio's body is
 * the rendered template): for them the status callback's key binding is what finds them.
 */
async function acceptedEarlier(
  deps: SmsDeps,
  request: SmsRequest,
  recordedAt: Date,
): Promise<{ sid: string; status: string } | undefined> {
  let recent: Array<{ sid: string; status: string; body: string; dateCreated: Date }>;
  try {
    recent = await deps.twilio
      .client(request.accountSid)
      .messages.list({ to: request.to, from: request.from, limit: RECENT_AT_TWILIO });
  } catch (error) {
    throw twilioFailure(error, 'look up an earlier attempt of the message');
  }
  const since = recordedAt.getTime() - CLOCK_SKEW_MS;
  for (const message of recent) {
    if (message.body !== request.body || message.dateCreated.getTime() < since) continue;
    // Another message of ours with the same body is not this one; but the status callback may have
    // bound this very message to it meanwhile (its answer lost), and then it is the one.
    const owner = await deps.messages.withTwilioSid(message.sid);
    if (owner === undefined || owner === request.idempotencyKey) return { sid: message.sid, status: message.status };
  }
  return undefined;
}

/**
 * The one path a text message (SMS or WhatsApp) leaves by, through `sendOnce`: recorded before it
 * is sent, sent with the status callback carrying its key (so its delivery is tracked and its sid
 * bound even if the answer is lost), then marked with Twilio's sid. A retried attempt that finds
 * the text recorded but not marked asks Twilio first whether an earlier attempt got through, and
 * sends only if none did. A Twilio
 * error becomes `twilioFailure` (`what` names the action in its message). An opted-out recipient
 * is refused before anything is recorded (`OptedOut`); Twilio's 21610 opts the recipient out.
 * A WhatsApp message outside the 24-hour window goes out as the configured template, or is
 * refused before anything is recorded (`WhatsAppWindowClosed`).
 */
export async function sendSms(
  deps: SmsDeps,
  request: SmsRequest,
  what = 'send the message',
): Promise<{ twilioSid: string }> {
  const already = await deps.messages.get(request.idempotencyKey);
  if (already?.twilioSid) return { twilioSid: already.twilioSid };
  const outbound = { accountSid: request.accountSid, from: request.from, to: request.to, key: request.idempotencyKey };
  await refuseIfOptedOut(deps, outbound, 'message');
  const form = await sendFormFor(
    {
      ...deps,
      templates: (sid) => deps.config().twilio.accounts.find((a) => a.accountSid === sid)?.whatsappTemplates,
    },
    { ...outbound, body: request.body, purpose: request.purpose ?? 'notification' },
  );
  const statusCallback = withSendKey(
    callbackUrls(deps.config(), request.accountSid).messageStatus,
    request.idempotencyKey,
  );
  const intent = {
    id: request.idempotencyKey,
    customerId: request.customerId,
    accountSid: request.accountSid,
    direction: 'outbound' as const,
    channel: parseTwilioAddress(request.to).channel,
    from: request.from,
    to: request.to,
    body: request.recordedBody ?? request.body,
    status: 'sending',
    ...(request.agentId ? { agentId: request.agentId } : {}),
    ...(request.citations?.length ? { citations: request.citations } : {}),
    ...(request.humanAuthor ? { humanAuthor: request.humanAuthor } : {}),
  };
  const sent = await sendOnce(deps.messages, intent, {
    findEarlier: async (since) => (form.kind === 'template' ? undefined : acceptedEarlier(deps, request, since)),
    send: async () => {
      try {
        return await deps.twilio.client(request.accountSid).messages.create({
          to: request.to,
          from: request.from,
          ...(form.kind === 'template'
            ? { contentSid: form.contentSid, contentVariables: form.contentVariables }
            : { body: request.body }),
          statusCallback,
        });
      } catch (error) {
        if (twilioErrorCode(error) === TWILIO_UNSUBSCRIBED) await recordTwilioOptOut(deps, outbound);
        throw twilioFailure(error, what);
      }
    },
  });
  return { twilioSid: sent.sid };
}
