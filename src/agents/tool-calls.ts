/**
 * What runs a tool call, shared by the tool activities, both workflows and the voice loop: who is
 * on the other end (`ToolContext`), what came back (`ToolOutcome`), and where a call is sent
 * (`ToolRoute`). Types and constants only: workflow code loads it.
 */
import { isBuiltInTool, type BuiltInToolName } from './tool-names';
import type { KnowledgePassage } from '../knowledge/citations';

/** Where a tool is offered: on calls, in text conversations (SMS, WhatsApp, Conversations). */
export type ToolChannel = 'voice' | 'messaging';

/** Where a call of a tool the model was offered goes: a built-in's activity, an HTTP tool, an MCP server's tool. */
export type ToolRoute =
  { kind: 'builtin' } | { kind: 'http'; name: string } | { kind: 'mcp'; server: string; tool: string };

/** A tool call of the model with where it goes (absent: the model called a tool it was not offered). */
export interface RoutedToolCall {
  /** The model's tool-use id. */
  id: string;
  name: string;
  input: Record<string, unknown>;
  route?: ToolRoute;
  /** False for an external tool that must not be retried (a non-idempotent HTTP call). */
  repeatSafe?: boolean;
}

/** Who the agent is talking to when it calls a tool, on either channel. */
export interface ToolContext {
  /** Absent in contexts scheduled before tools served both channels: those were messaging. */
  channel?: ToolChannel;
  customerId: string;
  accountSid: string;
  /** The customer's address on the current channel: the caller's number on a call, the sender of a message. */
  customerAddress: string;
  /** Our own address on that channel. */
  agentAddress: string;
  conversationSid?: string;
  /** The call this tool call belongs to (voice). */
  callSid?: string;
  /** The inbound message being answered (messaging). */
  messageSid?: string;
  /**
   * The model's tool-use id for this call. With the call or message sid it keys the tool's side
   * effects (`toolIdempotencyKey`). Code that runs a tool without the model passes a key of the same uniqueness.
   */
  toolCallId: string;
  /** Voice: the caller's number is proven theirs (`callerTrust`, or a code they confirmed). Messaging leaves it unset. */
  callerVerified?: boolean;
  /** The agent (and its pinned version) that called the tool: its settings (e.g. `transferNumber`) apply. */
  agent?: { agentId: string; version: number };
  /**
   * `search_knowledge`: the number its first passage takes, after the passages this reply has shown
   * the model already (so every `[n]` of one reply names one passage). Default 1.
   */
  firstPassageNumber?: number;
  /**
   * Messaging: the conversation has a waiting queue of the operator console (human takeover), so
   * `escalate_to_human` queues it for a person even when no on-call page is configured.
   */
  humanQueue?: boolean;
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

/** A message to send later: the workflow that ran the tool starts the durable timer (`followUpWorkflow`). */
interface FollowUpRequest {
  delayMs: number;
  body: string;
}

export interface ToolOutcome {
  ok: boolean;
  /** Given back to the model as the tool result. */
  result: string;
  /** The call is leaving the agent (transferred or ending): speak no more. */
  endsConversation?: boolean;
  /** The caller confirmed the code sent to the number on file: their memory may now be loaded. */
  verified?: boolean;
  /** `schedule_follow_up`: the workflow starts this follow-up and tells the model it is scheduled. */
  followUp?: FollowUpRequest;
  /** `handoff_to_agent` succeeded: this agent (its current version, pinned from now on) answers from the next turn. */
  handoff?: { agentId: string; version: number; name: string };
  /** `search_knowledge`: the passages its result shows the model, by the numbers it cites them with. */
  passages?: KnowledgePassage[];
  /** `escalate_to_human` in a text conversation: after this reply a person has it (the waiting queue); the agent pauses. */
  humanTakeover?: { reason: string };
}

/** Every `tool_<name>` activity takes this. */
export interface ToolActivityInput {
  input: Record<string, unknown>;
  /** Activities an old run scheduled carry the legacy context (`callId`). */
  context: ToolContext | LegacyToolContext;
}

/**
 * The activities that run external tools (implemented with the HTTP/MCP tool configuration, not
 * here). Their failures are answers for the model too.
 */
export interface ExternalToolActivities {
  runHttpTool(args: { name: string; input: Record<string, unknown>; context: ToolContext }): Promise<ToolOutcome>;
  runMcpTool(args: {
    server: string;
    tool: string;
    input: Record<string, unknown>;
    context: ToolContext;
  }): Promise<ToolOutcome>;
}

/** One activity per built-in tool, so each call is its own row in the Temporal UI. */
export function toolActivityName(name: BuiltInToolName): string {
  return `tool_${name}`;
}

/** Names the model was given by earlier releases, as replays of their histories and in-flight updates still send them. */
const LEGACY_TOOL_NAMES: Readonly<Record<string, BuiltInToolName>> = { transfer_to_human: 'transfer_call' };

/** The built-in a name stands for (a legacy name included), or undefined. */
export function builtInToolNamed(name: string): BuiltInToolName | undefined {
  if (isBuiltInTool(name)) return name;
  return LEGACY_TOOL_NAMES[name];
}
