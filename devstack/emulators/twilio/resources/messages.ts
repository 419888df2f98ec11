import { rfc2822 } from '../dates';
import { invalidParam, notFound } from '../errors';
import { renderV2010Page } from '../paging';
import type { Route, RouteContext } from '../router';
import { newSid } from '../sids';
import type { EmulatedMessage } from '../store';
import { isValidAddress, requirePathAccount, requireSid } from './validation';

const BASE = '/api/2010-04-01/Accounts/{AccountSid}';
const MAX_BODY_CHARS = 1600;
// GSM-7 basic set; anything else forces UCS-2 segmentation. Extension chars cost two septets.
const GSM7_BASIC = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;
const GSM7_EXTENSION = /[\^{}\\[~\]|€]/g;

function countSegments(body: string): number {
  if (body.length === 0) return 1;
  if (GSM7_BASIC.test(body)) {
    const septets = body.length + (body.match(GSM7_EXTENSION)?.length ?? 0);
    return septets <= 160 ? 1 : Math.ceil(septets / 153);
  }
  const units = body.length; // UTF-16 code units, as UCS-2 counts them
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

const messageUri = (m: EmulatedMessage) => `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}`;

function renderMessage(m: EmulatedMessage): object {
  return {
    account_sid: m.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: m.dateSent ? rfc2822(m.dateSent) : null,
    date_updated: rfc2822(m.dateUpdated),
    direction: m.direction,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: String(m.mediaUrls.length),
    num_segments: String(m.numSegments),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `${messageUri(m)}/Media.json`, feedback: `${messageUri(m)}/Feedback.json` },
    to: m.to,
    uri: `${messageUri(m)}.json`,
  };
}

/** Twilio keeps opt-outs per number (SMS and WhatsApp alike). */
function isUnsubscribed(ctx: RouteContext, to: string): boolean {
  return ctx.store.unsubscribed.has(to.replace(/^whatsapp:/, ''));
}

function createMessage(ctx: RouteContext) {
  const accountSid = requirePathAccount(ctx);
  const to = ctx.form.get('To');
  const from = ctx.form.get('From') ?? null;
  const messagingServiceSid = ctx.form.get('MessagingServiceSid') ?? null;
  const body = ctx.form.get('Body') ?? '';
  const mediaUrls = ctx.form.getAll('MediaUrl');
  if (!to) throw invalidParam(21604, "A 'To' phone number is required.");
  if (!isValidAddress(to, ['whatsapp'])) throw invalidParam(21211, `Invalid 'To' Phone Number: ${to}`);
  if (isUnsubscribed(ctx, to)) throw invalidParam(21610, 'Attempt to send to unsubscribed recipient');
  if (!from && !messagingServiceSid) throw invalidParam(21603, "A 'From' phone number is required.");
  if (!body && mediaUrls.length === 0 && !ctx.form.get('ContentSid')) {
    throw invalidParam(21602, 'Message body is required.');
  }
  if (body.length > MAX_BODY_CHARS) {
    throw invalidParam(21617, 'The concatenated message body exceeds the 1600 character limit.');
  }
  const now = ctx.now();
  const message: EmulatedMessage = {
    sid: newSid(mediaUrls.length > 0 ? 'MM' : 'SM'),
    accountSid,
    to,
    from,
    messagingServiceSid,
    body,
    mediaUrls,
    statusCallback: ctx.form.get('StatusCallback') ?? null,
    // A service without an explicit From picks the sender later: Twilio answers `accepted`.
    status: from ? 'queued' : 'accepted',
    direction: 'outbound-api',
    numSegments: countSegments(body),
    errorCode: null,
    errorMessage: null,
    dateCreated: now,
    dateUpdated: now,
    dateSent: null,
    params: ctx.form.toRecord(),
  };
  ctx.store.messages.set(message.sid, message);
  ctx.emit({ type: 'message-created', message });
  return { status: 201, body: renderMessage(message) };
}

function listMessages(ctx: RouteContext) {
  const accountSid = requirePathAccount(ctx);
  const to = ctx.query.get('To');
  const from = ctx.query.get('From');
  const all = [...ctx.store.messages.values()]
    .filter((m) => m.accountSid === accountSid && (!to || m.to === to) && (!from || m.from === from))
    .reverse(); // newest first, as Twilio lists them
  return {
    status: 200,
    body: renderV2010Page({
      key: 'messages',
      listUri: `/2010-04-01/Accounts/${accountSid}/Messages.json`,
      all,
      query: ctx.query,
      render: renderMessage,
    }),
  };
}

function fetchMessage(ctx: RouteContext) {
  const accountSid = requirePathAccount(ctx);
  const message = ctx.store.messages.get(requireSid(ctx, 'Sid'));
  if (!message || message.accountSid !== accountSid) throw notFound(ctx.twilioPath);
  return { status: 200, body: renderMessage(message) };
}

export const messageRoutes: Route[] = [
  { method: 'POST', pattern: `${BASE}/Messages.json`, handler: createMessage },
  { method: 'GET', pattern: `${BASE}/Messages.json`, handler: listMessages },
  { method: 'GET', pattern: `${BASE}/Messages/{Sid}.json`, handler: fetchMessage },
];
