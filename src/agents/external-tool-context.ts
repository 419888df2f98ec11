/**
 * What an external tool call (HTTP or MCP) carries besides its input, and what it gives back. Types
 * only: workflows build the context and read the result.
 */
import type { Channel } from '../messaging/addresses';

/** Who the agent serves when it calls the tool, and the key that makes a repeated call harmless. */
export interface ExternalToolContext {
  accountSid: string;
  customerId: string;
  channel: Channel;
  /** The model's tool-use id. */
  toolCallId: string;
  /**
   * Sent as the `Idempotency-Key` header (HTTP) and in `_meta` (MCP): the same for every attempt of
   * one tool call, derived from the call or message and the tool-use id, so a retry or a barge-in
   * that re-asks never repeats a side effect at a server that honours it.
   */
  idempotencyKey: string;
  callSid?: string;
  messageSid?: string;
}

/**
 * What the model is given. A failure is a short sentence it can pass on ("the order service did
 * not answer in time"), never an exception: the conversation goes on without the tool.
 */
export type ExternalToolResult = { ok: true; result: unknown } | { ok: false; result: string };

/** Where a tool name the model was offered goes: an HTTP tool, or a tool on an MCP server. */
export type ExternalToolRoute = { kind: 'http'; name: string } | { kind: 'mcp'; server: string; tool: string };
