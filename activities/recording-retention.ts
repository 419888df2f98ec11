import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../src/config/schema';
import type { TwilioAccounts } from '../src/telephony/twilio/accounts';
import { twilioFailure } from '../src/telephony/twilio/errors';
import type { CallStore, ExpiredRecording } from '../src/voice/call-store';

export interface RecordingRetentionDeps {
  config: () => Config;
  calls: CallStore;
  twilio: TwilioAccounts;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Recordings first reported before this are past `voice.recordingRetentionDays`; undefined when retention is off. */
function retentionCutoff(config: Config, now = Date.now()): Date | undefined {
  const days = config.voice.recordingRetentionDays;
  return days === undefined ? undefined : new Date(now - days * DAY_MS);
}

/** Twilio answers 404 for a recording that is not there (deleted before, by us or in the console). */
function isNotFound(error: unknown): boolean {
  return (error as { status?: unknown }).status === 404;
}

/**
 * The recording-retention workflow's steps. Both read the live configuration, so setting or
 * unsetting `voice.recordingRetentionDays` applies from the next sweep without a restart.
 */
export function createRecordingRetentionActivities(deps: RecordingRetentionDeps) {
  return {
    /** A page of recordings past retention (none when retention is off), after the recording sid `after`. */
    async expiredRecordings(input: {
      after?: string;
      limit: number;
    }): Promise<{ recordings: ExpiredRecording[]; next?: string }> {
      const before = retentionCutoff(deps.config());
      if (!before) return { recordings: [] };
      return deps.calls.expiredRecordings({
        before,
        limit: input.limit,
        ...(input.after ? { after: input.after } : {}),
      });
    },

    /**
     * Deletes one recording at Twilio, then marks it deleted in `call_recordings`. Idempotent: a
     * retried attempt whose delete went through gets 404 and only marks it. Twilio 429/5xx and
     * network errors are retried; another refusal fails non-retryable (the next sweep tries again).
     */
    async deleteExpiredRecording(input: ExpiredRecording): Promise<{ deletedAt: string; alreadyGone: boolean }> {
      if (!deps.twilio.get(input.accountSid))
        throw ApplicationFailure.nonRetryable(
          `Twilio account ${input.accountSid} is not configured: recording ${input.recordingSid} cannot be deleted`,
          'UnknownAccount',
        );
      let alreadyGone = false;
      try {
        await deps.twilio.client(input.accountSid).recordings(input.recordingSid).remove();
      } catch (error) {
        if (!isNotFound(error)) throw twilioFailure(error, `delete recording ${input.recordingSid}`);
        alreadyGone = true;
      }
      const deletedAt = await deps.calls.markRecordingDeleted(input, new Date());
      return { deletedAt: deletedAt.toISOString(), alreadyGone };
    },
  };
}
