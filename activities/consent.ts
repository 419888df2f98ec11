import { makeEvent } from '../src/events/make-event';
import type { InboundMessage } from '../src/messaging/inbound';
import { consentKeyword, type ConsentKeyword } from '../src/messaging/consent-keywords';
import type { ConsentDeps } from '../src/messaging/consent-guard';
import { parseTwilioAddress } from '../src/messaging/addresses';

export type { ConsentDeps };

export function createConsentActivities(deps: ConsentDeps) {
  return {
    /**
     * When the inbound message is a consent keyword (STOP, START, HELP...), stores the opt-out or
     * opt-in (once per MessageSid) and publishes `consent.opted_out`/`consent.opted_in`. The
     * workflow does not answer a keyword with the model: Twilio's opt-out handling confirms it.
     */
    async applyConsentKeyword(input: {
      customerId: string;
      message: InboundMessage;
    }): Promise<{ keyword?: ConsentKeyword }> {
      const { message } = input;
      // Keywords are the convention of numbers (SMS, WhatsApp; also as participants of a Conversation):
      // a chat identity's "stop" or "help" is an ordinary message for the agent.
      if (parseTwilioAddress(message.from).channel === 'conversations') return {};
      const optedOut = await deps.consent.isOptedOut(message.accountSid, message.from);
      const keyword = consentKeyword(message.body, optedOut);
      if (keyword !== 'opt_out' && keyword !== 'opt_in') return keyword ? { keyword } : {};
      await deps.consent.record({
        accountSid: message.accountSid,
        address: message.from,
        to: message.to,
        action: keyword,
        source: message.messageSid,
        at: new Date(message.receivedAt),
      });
      // Published on every attempt: the event id makes a retried one a no-op.
      await deps.publish(
        makeEvent(keyword === 'opt_out' ? 'consent.opted_out' : 'consent.opted_in', {
          id: `consent.${keyword === 'opt_out' ? 'opted_out' : 'opted_in'}:${message.messageSid}`,
          source: 'beluga',
          occurredAt: message.receivedAt,
          accountSid: message.accountSid,
          customerId: input.customerId,
          data: {
            address: message.from,
            to: message.to,
            via: message.body.trim().toUpperCase(),
            messageSid: message.messageSid,
          },
        }),
      );
      return { keyword };
    },
  };
}
