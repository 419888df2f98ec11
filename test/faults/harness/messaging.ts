import { randomBytes } from 'node:crypto';
import type { TwilioEmulator } from '../../../devstack/emulators/twilio';
import type { WebhookParams } from '../../../devstack/emulators/twilio/webhook-sender';
import { FAULT_ACCOUNT_SID } from './emulators';
import { FAULT_AGENT_NUMBER, type FaultStack } from './fault-stack';
import { failureKind, twilioRetryPolicy, type TwilioRetryPolicy } from './twilio-retries';

/** A unique, realistic message sid (`SM` + 32 hex). */
function messageSid(prefix: 'SM' | 'MM' = 'SM'): string {
  return prefix + randomBytes(16).toString('hex');
}

/** The form Twilio posts for an inbound SMS to our number. */
export function inboundSms(from: string, body: string, extra: WebhookParams = {}): WebhookParams {
  const sid = messageSid();
  return {
    MessageSid: sid,
    SmsMessageSid: sid,
    SmsSid: sid,
    AccountSid: FAULT_ACCOUNT_SID,
    From: from,
    To: FAULT_AGENT_NUMBER,
    Body: body,
    NumMedia: '0',
    NumSegments: '1',
    SmsStatus: 'received',
    ApiVersion: '2010-04-01',
    ...extra,
  };
}

/** `count` distinct customer numbers, unlikely to collide with another run's. */
export function customerNumbers(count: number): string[] {
  const base = 1_000_000 + Math.floor(Math.random() * 8_000_000);
  return Array.from({ length: count }, (_, i) => `+1415${String(base + i).padStart(7, '0')}`);
}

export interface BurstMessage {
  from: string;
  /** Unique text; the emulated model echoes it, so the reply names the message it answers. */
  tag: string;
}

/** `total` messages spread round-robin over `numbers`, each with a unique tag (`<prefix>-<i>`). */
export function burstPlan(total: number, numbers: string[], prefix = 'msg'): BurstMessage[] {
  return Array.from({ length: total }, (_, i) => ({ from: numbers[i % numbers.length]!, tag: `${prefix}-${i}` }));
}

export interface BurstOutcome {
  /** Messages the gateway acknowledged with 2xx (at some attempt). */
  accepted: number;
  /** Messages emulated Twilio gave up on: its last attempt's answer or error (`<tag>: <why>`). */
  refused: string[];
  /** Attempts after the first, as Twilio's retry policy allowed them (each one a webhook re-sent). */
  resent: number;
}

export interface DeliveryOptions {
  /** Twilio's retries for this URL (default: Twilio's defaults, one retry on a failed connection). */
  policy?: TwilioRetryPolicy;
  /**
   * Awaited before every attempt: a test closes it while the gateway restarts, as a load balancer would send
   * Twilio's requests to another gateway meanwhile (default: always open).
   */
  gate?: () => Promise<void>;
}

/** Posts one webhook as Twilio would, retrying per its policy; resolves with the attempts made and the outcome. */
async function deliverWebhook(
  stack: Pick<FaultStack, 'webhook'>,
  path: string,
  params: WebhookParams,
  options: DeliveryOptions = {},
): Promise<{ attempts: number; accepted: boolean; last: string }> {
  const policy = options.policy ?? twilioRetryPolicy();
  for (let attempt = 1; ; attempt++) {
    await options.gate?.();
    let outcome: { status: number } | { error: unknown };
    try {
      outcome = { status: (await stack.webhook(path, params, policy.readTimeoutMs)).status };
    } catch (error) {
      outcome = { error };
    }
    const kind = failureKind(outcome);
    const last =
      'status' in outcome
        ? `HTTP ${outcome.status}`
        : outcome.error instanceof Error
          ? outcome.error.message
          : String(outcome.error);
    if (kind === undefined) return { attempts: attempt, accepted: true, last };
    if (attempt > policy.retries || !policy.retryOn.has(kind)) return { attempts: attempt, accepted: false, last };
  }
}

/**
 * Posts the messages, in plan order per number (as a phone sends them), every number at once; each webhook is
 * retried as Twilio would. `onProgress(settled)` runs after each message settles (a test kills a process at some
 * point of the burst).
 */
export async function sendBurst(
  stack: Pick<FaultStack, 'webhook'>,
  plan: BurstMessage[],
  options: DeliveryOptions & { onProgress?: (settled: number) => void | Promise<void> } = {},
): Promise<BurstOutcome> {
  const outcome: BurstOutcome = { accepted: 0, refused: [], resent: 0 };
  const byNumber = new Map<string, BurstMessage[]>();
  for (const message of plan) byNumber.set(message.from, [...(byNumber.get(message.from) ?? []), message]);
  let settled = 0;
  await Promise.all(
    [...byNumber.values()].map(async (lane) => {
      for (const message of lane) {
        const result = await deliverWebhook(
          stack,
          '/twilio/messaging/inbound',
          inboundSms(message.from, message.tag),
          options,
        );
        outcome.resent += result.attempts - 1;
        if (result.accepted) outcome.accepted += 1;
        else outcome.refused.push(`${message.tag}: ${result.last}`);
        settled += 1;
        await options.onProgress?.(settled);
      }
    }),
  );
  return outcome;
}

export interface ReplyTally {
  /** Messages that got no reply at all. */
  lost: BurstMessage[];
  /** Messages answered more than once, with how many replies each got. */
  duplicated: Array<BurstMessage & { replies: number }>;
  /** Messages answered exactly once. */
  answeredOnce: number;
  /** Numbers whose replies went out in another order than their messages were sent (tags in each order). */
  outOfOrder: Array<{ number: string; sent: string[]; replied: string[] }>;
}

/** Counts the replies Twilio actually created (the emulator's messages) for each message of the plan. */
export function tallyReplies(twilio: TwilioEmulator, plan: BurstMessage[]): ReplyTally {
  const counts = new Map<string, number>();
  const order = new Map<string, string[]>();
  for (const sent of twilio.sentMessages({ from: FAULT_AGENT_NUMBER })) {
    const tag = /\b([a-z]+-\d+)\b/.exec(sent.body)?.[1];
    if (!tag) continue;
    counts.set(tag, (counts.get(tag) ?? 0) + 1);
    order.set(sent.to, [...(order.get(sent.to) ?? []), tag]);
  }
  const tally: ReplyTally = { lost: [], duplicated: [], answeredOnce: 0, outOfOrder: [] };
  for (const message of plan) {
    const replies = counts.get(message.tag) ?? 0;
    if (replies === 0) tally.lost.push(message);
    else if (replies === 1) tally.answeredOnce += 1;
    else tally.duplicated.push({ ...message, replies });
  }
  const planned = new Map<string, string[]>();
  for (const message of plan) planned.set(message.from, [...(planned.get(message.from) ?? []), message.tag]);
  for (const [number, tags] of order) {
    const firsts = tags.filter((tag, i) => tags.indexOf(tag) === i);
    const expected = (planned.get(number) ?? []).filter((tag) => firsts.includes(tag));
    if (firsts.join() !== expected.join()) tally.outOfOrder.push({ number, sent: expected, replied: firsts });
  }
  return tally;
}
