import { randomBytes } from 'node:crypto';
import type { TwilioEmulator } from '../../../devstack/emulators/twilio';
import type { WebhookParams } from '../../../devstack/emulators/twilio/webhook-sender';
import { FAULT_ACCOUNT_SID } from './emulators';
import { FAULT_AGENT_NUMBER, type FaultStack } from './fault-stack';

/** A unique, realistic message sid (`SM` + 32 hex). */
function messageSid(prefix: 'SM' | 'MM' = 'SM'): string {
  return prefix + randomBytes(16).toString('hex');
}

/** The form Twilio posts for an inbound SMS to our number. */
function inboundSms(from: string, body: string, extra: WebhookParams = {}): WebhookParams {
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
  /** Webhooks the gateway acknowledged with 2xx. */
  accepted: number;
  /** Non-2xx answers and network errors/timeouts, as Twilio would see them (`<tag>: <why>`). */
  refused: string[];
}

/**
 * Posts the messages with up to `concurrency` in flight; per number in plan order, as a phone sends them.
 * `onProgress(sent)` runs after each post settles (a test kills a process at some point of the burst).
 */
export async function sendBurst(
  stack: Pick<FaultStack, 'webhook'>,
  plan: BurstMessage[],
  options: { concurrency?: number; onProgress?: (settled: number) => void | Promise<void> } = {},
): Promise<BurstOutcome> {
  const outcome: BurstOutcome = { accepted: 0, refused: [] };
  const byNumber = new Map<string, BurstMessage[]>();
  for (const message of plan) byNumber.set(message.from, [...(byNumber.get(message.from) ?? []), message]);
  const lanes = [...byNumber.values()];
  const concurrency = Math.max(1, options.concurrency ?? lanes.length);
  let settled = 0;
  let nextLane = 0;
  const worker = async () => {
    while (nextLane < lanes.length) {
      const lane = lanes[nextLane++]!;
      for (const message of lane) {
        try {
          const response = await stack.webhook('/twilio/messaging/inbound', inboundSms(message.from, message.tag));
          if (response.status >= 200 && response.status < 300) outcome.accepted += 1;
          else outcome.refused.push(`${message.tag}: HTTP ${response.status}`);
        } catch (error) {
          outcome.refused.push(`${message.tag}: ${error instanceof Error ? error.message : String(error)}`);
        }
        settled += 1;
        await options.onProgress?.(settled);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcome;
}

export interface ReplyTally {
  /** Messages that got no reply at all. */
  lost: BurstMessage[];
  /** Messages answered more than once, with how many replies each got. */
  duplicated: Array<BurstMessage & { replies: number }>;
  /** Messages answered exactly once. */
  answeredOnce: number;
  /** Numbers whose replies arrived in another order than their messages were sent. */
  outOfOrder: string[];
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
    if (firsts.join() !== expected.join()) tally.outOfOrder.push(number);
  }
  return tally;
}
