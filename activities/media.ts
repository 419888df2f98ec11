import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { Config } from '../src/config/schema';
import { digestMediaItem, mediaDigestsToPrompt, type MediaDigest } from '../src/media/digest';
import { AssemblyAiTranscriber } from '../src/media/transcribe';
import { mayReceiveTwilioCredentials } from '../src/media/twilio-media-hosts';
import type { MessageStore } from '../src/memory/message-store';
import type { MediaRef } from '../src/messaging/inbound';
import type { TwilioAccounts } from '../src/telephony/twilio/accounts';

export interface MediaDeps {
  config: () => Config;
  messages: MessageStore;
  twilio: TwilioAccounts;
}

interface MediaOutcome {
  customerNote?: string;
  usable: boolean;
}

/** Heartbeats tell Temporal the worker is alive (MEDIA_DIGESTION's heartbeat timeout finds a dead one fast). */
const HEARTBEAT_EVERY_MS = 5_000;
const DEADLINE_GRACE_MS = 2_000;

export function createMediaActivities(deps: MediaDeps) {
  return {
    /**
     * Fetches and understands a message's attachments (images kept for the model, audio transcribed,
     * video acknowledged), saving each as soon as it is done so a retry redoes only the rest. Ends by
     * the message's media deadline (counted from the first attempt): what is not done by then is
     * saved as `timed_out`, and the customer is told it could not be read.
     */
    async digestInboundMedia(input: { messageSid: string }): Promise<MediaOutcome> {
      const message = await deps.messages.get(input.messageSid);
      if (!message)
        throw ApplicationFailure.retryable(`message ${input.messageSid} is not recorded yet`, 'MessageNotRecorded');
      const at = { messageSid: message.id, customerId: message.customerId };
      const { info } = Context.current();
      const deadlineAt = info.scheduledTimestampMs + deps.config().messaging.mediaDeadlineSeconds * 1000;
      const done = await deps.messages.media.digestsOf(message.id, { withImageBytes: false });
      const todo = message.media.map((item, index) => ({ item, index })).filter(({ index }) => !done.has(index));
      // A retry that starts past the deadline (the worker died) starts no download it could not finish.
      if (todo.length > 0 && Date.now() < deadlineAt) {
        const context = Context.current();
        const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
        try {
          const work = Promise.all(
            todo.map(async ({ item, index }) => {
              const digest = await digestMediaItem(item, digestDeps(deps, message.accountSid, item, deadlineAt));
              await deps.messages.media.saveOnce({ ...at, index }, digest);
            }),
          );
          const inTime = await beforeDeadline(work, deadlineAt);
          if (!inTime) log.warn('media digestion passed its deadline', { messageSid: message.id });
        } finally {
          clearInterval(heartbeat);
        }
      }
      return markUnreadable(deps.messages, { ...at, media: message.media });
    },

    /**
     * The digestion failed past its retry budget: every attachment not digested is saved as
     * `timed_out`, so the agent and the customer hear it could not be read.
     */
    async markMediaUnreadable(input: { messageSid: string }): Promise<MediaOutcome> {
      const message = await deps.messages.get(input.messageSid);
      if (!message) return { usable: false };
      return markUnreadable(deps.messages, {
        messageSid: message.id,
        customerId: message.customerId,
        media: message.media,
      });
    },
  };
}

/** Saves `timed_out` for every attachment without a digest and reports what the message's attachments came to. */
async function markUnreadable(
  messages: MessageStore,
  at: { messageSid: string; customerId: string; media: readonly MediaRef[] },
): Promise<MediaOutcome> {
  const saved = await messages.media.digestsOf(at.messageSid, { withImageBytes: false });
  for (const [index, item] of at.media.entries()) {
    if (saved.has(index)) continue;
    const digest: MediaDigest = { kind: 'timed_out', contentType: item.contentType };
    await messages.media.saveOnce({ messageSid: at.messageSid, customerId: at.customerId, index }, digest);
  }
  const digests = [...(await messages.media.digestsOf(at.messageSid, { withImageBytes: false })).values()];
  const { customerNote } = mediaDigestsToPrompt(digests);
  const usable = digests.some((d) => d.kind === 'image' || d.kind === 'audio' || d.kind === 'video');
  return { ...(customerNote ? { customerNote } : {}), usable };
}

function digestDeps(deps: MediaDeps, accountSid: string, item: MediaRef, deadlineAt: number) {
  const account = deps.twilio.get(accountSid);
  const { apiKey, baseUrl, pollingIntervalMs } = deps.config().assemblyai;
  // A little past the deadline: at the deadline itself the activity marks the attachment timed_out
  // (the customer hears "could not be read in time"), not a download or transcription failure.
  const remainingMs = Math.max(1, deadlineAt - Date.now()) + DEADLINE_GRACE_MS;
  if (!mayReceiveTwilioCredentials(item.url, account?.apiBaseUrl))
    log.warn('media URL is not a Twilio host: fetched without credentials', { host: hostOf(item.url) });
  return {
    // Twilio media URLs may require the account's credentials (HTTP Basic); only Twilio's hosts get them.
    fetchAuth: { username: accountSid, password: account?.authToken ?? '' },
    ...(account?.apiBaseUrl ? { apiBaseUrl: account.apiBaseUrl } : {}),
    timeoutMs: Math.min(remainingMs, 20_000),
    ...(apiKey
      ? { transcriber: new AssemblyAiTranscriber({ apiKey, baseUrl, pollingIntervalMs, timeoutMs: remainingMs }) }
      : {}),
  };
}

/** Whether `work` settled before `deadlineAt`; it is not cancelled (its late results are not saved over timed_out). */
async function beforeDeadline(work: Promise<unknown>, deadlineAt: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const finished = work.then(() => true as const);
  // Past the deadline nobody awaits `work` any more; a late failure must not become an unhandled rejection.
  finished.catch(() => undefined);
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), deadlineAt - Date.now())));
  try {
    return await Promise.race([finished, late]);
  } finally {
    clearTimeout(timer);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}
