import type { SideEffectLedger } from '../../storage/side-effects';
import type { z } from 'zod';
import type { Config } from '../../config/schema';
import type { IdentityStore } from '../../customers/identity-store';
import type { VerificationStore } from '../../customers/verification-store';
import type { EventLog } from '../../events/event-log';
import type { PublishEvent } from '../../events/publish';
import type { ConsentStore } from '../../messaging/consent-store';
import type { CustomerMemoryStore } from '../../memory/customer-memory';
import type { MessageStore } from '../../memory/message-store';
import type { TwilioAccounts } from '../../telephony/twilio/accounts';
import type { AgentDirectory } from '../agent-directory';
import type { ToolChannel, ToolContext, ToolOutcome } from '../tool-calls';
import type { BuiltInToolName } from '../tool-names';
import type { KnowledgeSearch } from '../../knowledge/retrieval';

/** What built-in tools may use; activities get it from the composition root. */
export interface ToolDeps {
  config: () => Config;
  identities: IdentityStore;
  messages: MessageStore;
  memory: CustomerMemoryStore;
  twilio: TwilioAccounts;
  events: EventLog;
  publish: PublishEvent;
  consent: ConsentStore;
  verifications: VerificationStore;
  /** The agents, for settings of the agent that called a tool (its transfer number). */
  agents: AgentDirectory;
  /** Intents and outcomes of side effects the provider cannot deduplicate (escalation pages). */
  sideEffects: SideEffectLedger;
  /** The knowledge index (`search_knowledge`); absent: the tool says search is unavailable. */
  knowledge?: KnowledgeSearch;
}

/**
 * A built-in tool, defined once for both channels: what the model is told (name, description, the
 * zod input its JSON Schema is generated from), where it is offered, and what it does.
 */
export interface BuiltInTool<I = unknown> {
  name: BuiltInToolName;
  description: string;
  /** Validates the model's input; its JSON Schema (io `input`) is what the model sees. */
  input: z.ZodType<I>;
  /** The channels it makes sense on; it is not offered on the others. */
  channels: readonly ToolChannel[];
  /**
   * Running it twice has no further effect (a lookup). Tools with side effects say false, and key
   * those effects with `toolIdempotencyKey`, so a retried attempt or update still acts once.
   */
  repeatSafe: boolean;
  /** Said on a call while it runs, if slow; default: the agent's filler. */
  filler?: string;
  /** Takes the caller away from the agent (transfer, hang-up): it runs once what was said has played. */
  afterSpeech?: boolean;
  /**
   * What it does, as its own activity (`tool_<name>`), on input already validated. Absent for a
   * tool whose effect belongs to the conversation itself (`handoff_to_agent`: the session or
   * workflow switches agents; no activity runs).
   */
  run?: (input: I, context: ToolContext, deps: ToolDeps) => Promise<ToolOutcome>;
}

/** A tool as the catalogue holds it, whatever its input type (each one validates its own before `run`). */
export type AnyBuiltInTool = Omit<BuiltInTool, 'input' | 'run'> & {
  input: z.ZodType;
  run?: (input: never, context: ToolContext, deps: ToolDeps) => Promise<ToolOutcome>;
};

export function defineTool<I, N extends BuiltInToolName>(
  tool: BuiltInTool<I> & { name: N },
): BuiltInTool<I> & { name: N } {
  return tool;
}
