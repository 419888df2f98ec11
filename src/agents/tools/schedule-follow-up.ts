import { z } from 'zod';
import { isWithheldNumber } from '../../customers/caller-identity';
import { defineTool } from './built-in-tool';

/** At most 30 days ahead. */
const MAX_DELAY_MINUTES = 43_200;

/**
 * A message to the customer later, on the channel they are on (on a call: a text to the caller's
 * number). The activity only checks the request; the workflow that ran it starts the follow-up as
 * an abandoned child workflow (`followup-<customer>-<tool-call id>`, so it is scheduled once) that
 * sleeps on a durable timer and then sends.
 */
export const scheduleFollowUpTool = defineTool({
  name: 'schedule_follow_up',
  description:
    'Schedule a message to the customer later (a reminder, a check-in). It is sent as a text after the delay, even if the system restarts meanwhile.',
  input: z.object({
    delayMinutes: z.number().min(0.01).max(MAX_DELAY_MINUTES).describe('minutes from now'),
    message: z.string().trim().min(1).max(1_600).describe('the exact text to send'),
  }),
  channels: ['voice', 'messaging'],
  repeatSafe: false,
  async run(input, context) {
    if (context.channel === 'voice' && isWithheldNumber(context.customerAddress))
      return { ok: false, result: 'The caller withheld their number: no follow-up can be texted to them.' };
    return {
      ok: true,
      result: `Follow-up scheduled in ${input.delayMinutes} minutes.`,
      followUp: { delayMs: Math.round(input.delayMinutes * 60_000), body: input.message },
    };
  },
});
