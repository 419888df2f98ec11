import type { Config } from '../../config/schema';
import { withConnectionOverrides } from './connection-overrides';

/**
 * The callback URLs given to Twilio for one account: configured per account, else the gateway's own
 * routes; each with the connection overrides that make Twilio retry timeouts and 5xx answers.
 */
export function callbackUrls(config: Config, accountSid: string) {
  const base = config.publicUrl.replace(/\/+$/, '');
  const callbacks = config.twilio.accounts.find((a) => a.accountSid === accountSid)?.callbacks;
  return {
    messageStatus: withConnectionOverrides(callbacks?.messageStatusUrl ?? `${base}/twilio/messaging/status`),
    callStatus: withConnectionOverrides(callbacks?.callStatusUrl ?? `${base}/twilio/voice/status`),
    callStatusEvents: callbacks?.callStatusEvents ?? ['initiated', 'ringing', 'answered', 'completed'],
    recordingStatus: withConnectionOverrides(callbacks?.recordingStatusUrl ?? `${base}/twilio/voice/recording`),
    conversationsWebhook: withConnectionOverrides(
      callbacks?.conversationsWebhookUrl ?? `${base}/twilio/conversations/events`,
    ),
    conversationsWebhookFilters: callbacks?.conversationsWebhookFilters ?? [
      'onMessageAdded',
      'onParticipantAdded',
      'onParticipantRemoved',
      'onConversationStateUpdated',
      'onDeliveryUpdated',
    ],
  };
}
