import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../src/config/schema';
import { digestMedia, mediaDigestsToPrompt } from '../src/media/digest';
import { AssemblyAiTranscriber } from '../src/media/transcribe';
import type { MessageStore } from '../src/memory/message-store';
import type { TwilioAccounts } from '../src/telephony/twilio/accounts';

export interface MediaDeps {
  config: () => Config;
  messages: MessageStore;
  twilio: TwilioAccounts;
}

export function createMediaActivities(deps: MediaDeps) {
  return {
    /**
     * Fetches and understands a message's attachments once (images kept for the model, audio
     * transcribed, video acknowledged), stores the result with the message, and says what the
     * customer must be told about files that could not be used.
     */
    async digestInboundMedia(input: { messageSid: string }): Promise<{ customerNote?: string; usable: boolean }> {
      const message = await deps.messages.get(input.messageSid);
      if (!message)
        throw ApplicationFailure.retryable(`message ${input.messageSid} is not recorded yet`, 'MessageNotRecorded');
      const digests = message.mediaDigests ?? (await digest(deps, message.accountSid, message.media));
      if (!message.mediaDigests) await deps.messages.saveMediaDigests(input.messageSid, digests);
      const { customerNote } = mediaDigestsToPrompt(digests);
      const usable = digests.some((d) => d.kind === 'image' || d.kind === 'audio' || d.kind === 'video');
      return { ...(customerNote ? { customerNote } : {}), usable };
    },
  };
}

async function digest(deps: MediaDeps, accountSid: string, media: Parameters<typeof digestMedia>[0]) {
  const account = deps.twilio.get(accountSid);
  const { apiKey, baseUrl, pollingIntervalMs } = deps.config().assemblyai;
  return digestMedia(media, {
    // Twilio media URLs may require the account's credentials (HTTP Basic).
    fetchAuth: { username: accountSid, password: account?.authToken ?? '' },
    ...(apiKey ? { transcriber: new AssemblyAiTranscriber({ apiKey, baseUrl, pollingIntervalMs }) } : {}),
  });
}
