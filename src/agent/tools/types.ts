import type { z } from 'zod';
import type { Config } from '../../config/schema';
import type { IdentityStore } from '../../customers/identity-store';
import type { EventLog } from '../../events/event-log';
import type { PublishEvent } from '../../events/publish';
import type { ConsentStore } from '../../messaging/consent-store';
import type { CustomerMemoryStore } from '../../memory/customer-memory';
import type { MessageStore } from '../../memory/message-store';
import type { TwilioAccounts } from '../../telephony/twilio/accounts';
import type { ToolSpec } from '../chat-model';

/** Who the agent is talking to when it calls a tool. */
export interface ToolContext {
  customerId: string;
  accountSid: string;
  /** The customer's address on the current channel (reply target). */
  customerAddress: string;
  /** Our own address on that channel. */
  agentAddress: string;
  conversationSid?: string;
  /**
   * The model's tool-use id for this call: the idempotency key for the tool's side effects. Code that runs a tool
   * without the model passes a key of the same uniqueness.
   */
  toolCallId: string;
}

/** A {@link ToolContext} as tool activities scheduled before `toolCallId` carry it. */
export interface LegacyToolContext extends Omit<ToolContext, 'toolCallId'> {
  /** @deprecated The model's tool-use id; read it through {@link withToolCallId}. */
  callId: string;
}

/** The context in the current shape, whichever shape it came in. */
export function withToolCallId(context: ToolContext | LegacyToolContext): ToolContext {
  if ('toolCallId' in context) return context;
  const { callId, ...rest } = context;
  return { ...rest, toolCallId: callId };
}

export interface ToolDeps {
  config: () => Config;
  identities: IdentityStore;
  messages: MessageStore;
  memory: CustomerMemoryStore;
  twilio: TwilioAccounts;
  events: EventLog;
  publish: PublishEvent;
  consent: ConsentStore;
}

/** A tool that runs as its own Temporal activity (`tool_<name>`): durable, retried, visible in the UI. */
export interface ActivityTool<I = unknown> {
  spec: ToolSpec;
  input: z.ZodType<I>;
  run(input: I, context: ToolContext, deps: ToolDeps): Promise<unknown>;
}

export function defineTool<I>(tool: ActivityTool<I>): ActivityTool<I> {
  return tool;
}
