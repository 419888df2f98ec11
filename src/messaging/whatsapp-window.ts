import { ApplicationFailure } from '@temporalio/common';
import type { WhatsAppTemplate, WhatsAppTemplates } from '../config/schema';
import { makeEvent } from '../events/make-event';
import type { MessageStore } from '../memory/message-store';
import { parseTwilioAddress } from './addresses';
import type { ConsentDeps } from './consent-guard';

/** WhatsApp accepts free-form business messages only this long after the customer's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Why a message is sent: it picks the approved template when the window is closed. */
export type SendPurpose = 'reply' | 'follow_up' | 'notification';

/** How a message goes out: its text as written, or an approved template (Content API). */
export type SendForm = { kind: 'free_form' } | { kind: 'template'; contentSid: string; contentVariables: string };

/** The rule itself: free form inside the window, else the purpose's template (or the default), else nothing. */
export function whatsappSendForm(input: {
  lastInboundAt: Date | undefined;
  now: Date;
  purpose: SendPurpose;
  body: string;
  templates: WhatsAppTemplates | undefined;
}): SendForm | undefined {
  if (input.lastInboundAt && input.now.getTime() - input.lastInboundAt.getTime() < WHATSAPP_WINDOW_MS) {
    return { kind: 'free_form' };
  }
  const template = templateFor(input.templates, input.purpose);
  if (!template) return undefined;
  // `{body}` in a variable stands for the message the agent wrote (e.g. a follow-up's text).
  const variables = Object.fromEntries(
    Object.entries(template.variables ?? {}).map(([name, value]) => [name, value.replaceAll('{body}', input.body)]),
  );
  return { kind: 'template', contentSid: template.contentSid, contentVariables: JSON.stringify(variables) };
}

function templateFor(templates: WhatsAppTemplates | undefined, purpose: SendPurpose): WhatsAppTemplate | undefined {
  if (purpose === 'follow_up') return templates?.followUp ?? templates?.default;
  return templates?.default;
}

export interface WindowDeps extends ConsentDeps {
  messages: MessageStore;
  /** The account's configured templates. */
  templates: (accountSid: string) => WhatsAppTemplates | undefined;
  now?: () => Date;
}

/**
 * How a text to `to` may go out: SMS always free form; WhatsApp free form within 24 h of the
 * address's last inbound message on this account, else as the configured template. With none,
 * the send is refused: `consent.send_refused` (reason `whatsapp_window_closed`) and a
 * non-retryable `WhatsAppWindowClosed` — Twilio would only fail it later (63016).
 */
export async function sendFormFor(
  deps: WindowDeps,
  out: { accountSid: string; from: string; to: string; key: string; body: string; purpose: SendPurpose },
): Promise<SendForm> {
  if (parseTwilioAddress(out.to).channel !== 'whatsapp') return { kind: 'free_form' };
  const form = whatsappSendForm({
    lastInboundAt: await deps.messages.lastInboundAt(out.accountSid, out.to, 'whatsapp'),
    now: deps.now?.() ?? new Date(),
    purpose: out.purpose,
    body: out.body,
    templates: deps.templates(out.accountSid),
  });
  if (form) return form;
  await deps.publish(
    makeEvent('consent.send_refused', {
      id: `consent.send_refused:${out.key}`,
      source: 'beluga',
      accountSid: out.accountSid,
      data: { to: out.to, from: out.from, kind: 'message', reason: 'whatsapp_window_closed', purpose: out.purpose },
    }),
  );
  throw ApplicationFailure.nonRetryable(
    `${out.to} has not written on WhatsApp in the last 24 hours and no approved template is configured for a ${out.purpose.replace('_', '-')} message on this account (twilio.accounts[].whatsappTemplates): the message is not sent`,
    'WhatsAppWindowClosed',
  );
}
