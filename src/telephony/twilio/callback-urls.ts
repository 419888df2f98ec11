import type { Config } from '../../config/schema';

/** The callback URLs given to Twilio for one account: configured per account, else the gateway's own routes. */
export function callbackUrls(config: Config, accountSid: string) {
  const base = config.publicUrl.replace(/\/+$/, '');
  const callbacks = config.twilio.accounts.find((a) => a.accountSid === accountSid)?.callbacks;
  return {
    messageStatus: callbacks?.messageStatusUrl ?? `${base}/twilio/messaging/status`,
    callStatus: callbacks?.callStatusUrl ?? `${base}/twilio/voice/status`,
    callStatusEvents: callbacks?.callStatusEvents ?? ['initiated', 'ringing', 'answered', 'completed'],
    recordingStatus: callbacks?.recordingStatusUrl ?? `${base}/twilio/voice/recording`,
    conversationsWebhook: callbacks?.conversationsWebhookUrl ?? `${base}/twilio/conversations/events`,
    conversationsWebhookFilters: callbacks?.conversationsWebhookFilters ?? [
      'onMessageAdded',
      'onParticipantAdded',
      'onParticipantRemoved',
      'onConversationStateUpdated',
      'onDeliveryUpdated',
    ],
  };
}
