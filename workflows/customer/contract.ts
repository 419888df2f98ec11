/**
 * The customer workflow's contract: type name, id, input, the inbound-message signal, the human
 * takeover signals (pause, reply as the business, hand back) and the queries.
 */
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { InboundMessage } from '../../src/messaging/inbound';
import type { Channel } from '../../src/messaging/addresses';

export const CUSTOMER_WORKFLOW = 'customerWorkflow';

export interface CustomerWorkflowInput {
  customerId: string;
  /** Carried across continue-as-new: messages not yet answered, and recently seen sids. */
  queue?: InboundMessage[];
  recentSids?: string[];
  processed?: number;
  /**
   * Carried across continue-as-new: lines (our address) whose conversation a handoff gave to another
   * agent, by agent id. Gone when the workflow ends idle: the next conversation starts with the line's agent.
   */
  lineAgents?: Record<string, string>;
  /** Carried across continue-as-new: a person has the conversation (absent: the agent answers). */
  takeover?: TakeoverCarried;
  /** Carried across continue-as-new: takeover commands not yet carried out, in arrival order. */
  takeoverCommands?: TakeoverCommand[];
  /** Carried across continue-as-new: where a person's reply goes (the customer's latest channel). */
  replyRoute?: ReplyRoute;
  /** Carried across continue-as-new: the last revision written to the takeover store. */
  takeoverRevision?: number;
  /** Carried across continue-as-new: human reply ids already carried out (a repeated signal sends nothing). */
  recentReplyIds?: string[];
  /** Messages this run handles before continuing as new (from configuration at first start). */
  maxMessagesPerRun?: number;
  /** Carried across continue-as-new. Production leaves it unset; tests and operators may shorten it. */
  timings?: {
    /** How long the workflow waits for a message before it completes (default 7 days). */
    idleTimeout?: Duration;
  };
}

export type CustomerWorkflow = (input: CustomerWorkflowInput) => Promise<void>;

/** `customer-<id>`: one long-lived conversation entity per person. */
export function customerWorkflowId(customerId: string): string {
  return `customer-${customerId}`;
}

export const inboundMessageSignal = defineSignal<[InboundMessage]>('inboundMessage');
export const pendingQuery = defineQuery<{ queued: number; processed: number }>('pending');

/** The operator acting, from the operator API's principal. */
export interface OperatorRef {
  operatorId: string;
  operatorName: string;
}

/** `pauseAgent`: a person takes the conversation; the agent's replies are held until `handBack`. */
export interface PauseRequest extends OperatorRef {
  /** The customer's account (a fresh run learns it from here). */
  accountSid: string;
  reason?: string;
}

/** `humanReply`: the operator's text, sent as the business on the customer's latest channel (takes over if not yet). */
export interface HumanReply extends OperatorRef {
  accountSid: string;
  /** Unique per reply (the API's answer): the send's key is `human:<replyId>`. */
  replyId: string;
  text: string;
}

/** `handBack`: the agent answers again. */
export interface HandBackRequest extends OperatorRef {
  accountSid: string;
}

export type TakeoverCommand =
  ({ kind: 'pause' } & PauseRequest) | ({ kind: 'reply' } & HumanReply) | ({ kind: 'handBack' } & HandBackRequest);

/** Where a person's reply goes: our address and the customer's on the channel they last wrote on. */
export interface ReplyRoute {
  accountSid: string;
  channel: Channel;
  customerAddress: string;
  businessAddress: string;
  /** They wrote inside this Twilio Conversation: the reply is posted there. */
  conversationSid?: string;
}

/** The outcome of the latest human reply (a refused send says why). */
export interface HumanReplyOutcome {
  replyId: string;
  status: 'sent' | 'failed';
  error?: string;
  at: string;
}

/** A paused conversation, as the workflow carries it. */
export interface TakeoverCarried {
  /** `waiting`: in the queue, no person has it yet (an escalation); `human`: an operator has it. */
  state: 'waiting' | 'human';
  origin: 'escalation' | 'operator';
  accountSid: string;
  reason?: string;
  since: string;
  operatorId?: string;
  operatorName?: string;
  /** Inbound messages since the pause (or the last human reply) that no one answered. */
  unanswered: number;
  /** The newest of them: the agent answers it after hand back. */
  held?: InboundMessage;
  lastMessageAt?: string;
  lastReply?: HumanReplyOutcome;
}

export const pauseAgentSignal = defineSignal<[PauseRequest]>('pauseAgent');
export const humanReplySignal = defineSignal<[HumanReply]>('humanReply');
export const handBackSignal = defineSignal<[HandBackRequest]>('handBack');
/** Who answers now (undefined: the agent), as the workflow sees it this moment. */
export const takeoverQuery = defineQuery<TakeoverCarried | undefined>('takeover');
