import type { Request, Response } from 'express';
import { ZodError } from 'zod';
import type { Config, TwilioAccount } from '../config/schema';
import type { FormParams } from '../messaging/inbound';
import { parseCallWebhook, type CallWebhook } from '../voice/webhooks';
import type { Logger } from '../observability/logger';
import type { AcceptedWebhook } from '../inbox/accepted-webhook';
import type { DurableAcceptance } from '../inbox/durable-acceptance';

/** The parsed webhook, or undefined after answering 400 naming the bad fields. */
export function parsedOr400<T>(res: Response, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    answerBadWebhook(res, error);
    return undefined;
  }
}

/**
 * A call webhook that TwiML answers, with its account's settings; undefined after answering 400.
 * The signature middleware already required a configured account: the lookup keeps types honest.
 */
export function callWebhookOr400(
  req: Request,
  res: Response,
  config: Config,
): { call: CallWebhook; account: TwilioAccount } | undefined {
  const call = parsedOr400(res, () => parseCallWebhook(req.body as FormParams));
  if (!call) return undefined;
  const account = config.twilio.accounts.find((a) => a.accountSid === call.accountSid);
  if (!account) {
    answerBadWebhook(res, new Error(`account ${call.accountSid} is not configured`));
    return undefined;
  }
  return { call, account };
}

/** 400 naming the bad fields (Twilio does not retry a 4xx: garbage stays garbage). */
function answerBadWebhook(res: Response, error: unknown): void {
  const detail =
    error instanceof ZodError
      ? error.issues.map((i) => `${i.path.join('.') || '(form)'}: ${i.message}`).join('; ')
      : String(error);
  res.status(400).type('text/plain').send(`Bad webhook: ${detail}`);
}

/**
 * Neither Temporal nor the webhook inbox took the work: 503, which Twilio retries because the URLs
 * we give it ask for retries on 5xx (connection overrides); the workflows dedupe the retry.
 */
export function answerUnavailable(res: Response): void {
  res.status(503).type('text/plain').send('Temporarily unavailable');
}

/**
 * Acknowledges the webhook with `acknowledge` once it is durable (in Temporal or the inbox), else 503.
 * The answer never waits longer than the acceptance's deadlines, well under Twilio's 15 s.
 */
export async function acceptThenAnswer(
  acceptance: DurableAcceptance,
  webhook: AcceptedWebhook,
  res: Response,
  log: Logger,
  acknowledge: () => void,
): Promise<void> {
  try {
    await acceptance.accept(webhook);
  } catch (error) {
    log.error({ err: error, kind: webhook.kind }, 'webhook not accepted: Temporal and the inbox are both out of reach');
    answerUnavailable(res);
    return;
  }
  acknowledge();
}
