/** The customer workflow's contract: type name, id, input, the inbound-message signal and the pending query. */
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { InboundMessage } from '../../src/messaging/inbound';

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
