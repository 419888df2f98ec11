/**
 * An agent as configuration: who speaks for a line of business, with its own instructions, voice,
 * model, turn-taking and tools. Defined in the config file (`agents`) or through the operator API;
 * validated here, with errors naming the field.
 */
import { z } from 'zod';
import { DEFAULT_AGENT_TOOLS } from './tool-names';

/** The variables an agent's instructions may use. */
const INSTRUCTION_VARIABLES = ['customerName', 'channel', 'businessHours', 'agentName', 'today'] as const;
export type InstructionVariable = (typeof INSTRUCTION_VARIABLES)[number];

const VARIABLE = /\{\{\s*([A-Za-z_][\w]*)\s*\}\}/g;

/** The `{{name}}`s in a template that are not known variables. */
function unknownVariables(template: string): string[] {
  const known = new Set<string>(INSTRUCTION_VARIABLES);
  return [...template.matchAll(VARIABLE)].map((m) => m[1]!).filter((name) => !known.has(name));
}

/** Fills `{{variable}}`s; an absent value reads as "unknown" (the model is never shown a raw placeholder). */
export function renderInstructions(template: string, values: Partial<Record<InstructionVariable, string>>): string {
  return template.replace(VARIABLE, (_match, name: string) => values[name as InstructionVariable] ?? 'unknown');
}

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +14155550100');
const httpUrl = z.url({ protocol: /^https?$/ });

/** Lower-case slug: it appears in workflow ids, metrics and URLs. */
export const AgentId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'lower-case letters, digits, - and _ only (at most 64), starting with a letter or digit',
  );

/** Where the model runs: Anthropic, or any OpenAI-compatible Chat Completions endpoint (Ollama, vLLM, llama.cpp). */
const AgentModelSchema = z
  .object({
    provider: z.enum(['anthropic', 'openai-compatible']).default('anthropic'),
    /** The provider's model name (`claude-…`, `llama3.1:8b`, …). Default: the deployment's `anthropic.model`. */
    name: z.string().min(1).optional(),
    /** The endpoint of an OpenAI-compatible server (`http://localhost:11434/v1` for Ollama). Required for that provider. */
    baseUrl: httpUrl.optional(),
    /** The environment variable holding its API key (never the key itself: config files get committed). */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name like OLLAMA_API_KEY')
      .optional(),
    maxTokens: z.coerce.number().int().positive().max(64_000).optional(),
    temperature: z.coerce.number().min(0).max(2).optional(),
  })
  .strict()
  .superRefine((model, ctx) => {
    if (model.provider === 'openai-compatible' && !model.baseUrl)
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'required for an openai-compatible model' });
    if (model.provider === 'openai-compatible' && !model.name)
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'required for an openai-compatible model' });
  });

/** The voice the agent speaks with (streaming TTS producing 8 kHz mu-law). */
const AgentVoiceSchema = z
  .object({
    provider: z.enum(['elevenlabs']).default('elevenlabs'),
    /** Default: the deployment's `tts.voiceId`. */
    voiceId: z.string().min(1).optional(),
    modelId: z.string().min(1).optional(),
    /** Speaking rate (ElevenLabs accepts 0.7–1.2). */
    speed: z.coerce.number().min(0.7).max(1.2).optional(),
  })
  .strict();

/** When the caller's turn ends and when they interrupt. Unset fields fall back to the deployment's settings. */
const TurnTakingSchema = z
  .object({
    /** Silence that ends a turn when AssemblyAI is confident it ended. */
    minTurnSilenceMs: z.coerce.number().int().min(100).max(5000).optional(),
    /** Silence that ends a turn regardless of confidence. */
    maxTurnSilenceMs: z.coerce.number().int().min(200).max(10000).optional(),
    /** AssemblyAI's end-of-turn confidence threshold (0–1). */
    endOfTurnConfidence: z.coerce.number().min(0).max(1).optional(),
    /** Voiced caller audio (ms within the last 400 ms) that interrupts the agent. */
    bargeInMinVoicedMs: z.coerce.number().int().min(20).max(2000).optional(),
    /** Said when a tool takes longer than `fillerAfterMs`. */
    filler: z.string().min(1).optional(),
    fillerAfterMs: z.coerce.number().int().min(0).max(10_000).optional(),
  })
  .strict();

export const AgentDefinitionSchema = z
  .object({
    id: AgentId,
    name: z.string().trim().min(1).max(120),
    /**
     * The system prompt, for both channels. Variables: `{{customerName}}`, `{{channel}}` (voice, sms,
     * whatsapp, conversations), `{{businessHours}}`, `{{agentName}}`, `{{today}}`. An unknown variable
     * is a validation error.
     */
    instructions: z.string().trim().max(20_000).default(''),
    /** Added on calls (how to speak); default: {@link DEFAULT_VOICE_STYLE}. Same variables. */
    voiceInstructions: z.string().trim().min(1).max(20_000).optional(),
    /** Added on messages (how to write); default: {@link DEFAULT_MESSAGING_STYLE}. Same variables. */
    messagingInstructions: z.string().trim().min(1).max(20_000).optional(),
    /** Said as soon as a call's stream starts (no model round trip before the first words). */
    greeting: z.string().trim().min(1).max(1_000).optional(),
    /**
     * Said instead of the greeting when another realtime worker takes a call over after its stream
     * was lost (a crash or deploy); default: the deployment's `voice.resumptionLine`.
     */
    resumptionLine: z.string().trim().min(1).max(1_000).optional(),
    /** BCP-47 language tag the agent speaks and writes (`en`, `en-GB`, `es`). */
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP-47 language tag like en or en-GB')
      .default('en'),
    /** Free text the instructions can quote (`{{businessHours}}`). */
    businessHours: z.string().trim().min(1).max(500).optional(),
    model: AgentModelSchema.prefault({}),
    voice: AgentVoiceSchema.prefault({}),
    turnTaking: TurnTakingSchema.prefault({}),
    /**
     * Tools the agent may call: built-in names (`lookup_customer`, `send_sms`, …), HTTP tools by name
     * (`tools.http`), and MCP servers as `mcp:<server>` (all its tools) or `mcp:<server>/<tool>`.
     * Tools that make no sense on a channel are not offered there. Absent: the tools the single agent had
     * before agents existed (DEFAULT_AGENT_TOOLS); `[]`: none.
     */
    tools: z.array(z.string().min(1)).optional(),
    /** Knowledge bases the agent may search (the knowledge issue fills this slot). */
    knowledge: z.array(z.string().min(1)).default([]),
    /** Said when the model or speech synthesis fails on a call. */
    fallbackLine: z.string().trim().min(1).optional(),
    /** Sent when the model cannot answer a message. */
    fallbackReply: z.string().trim().min(1).optional(),
    /** A call is ended politely after this long. */
    maxCallMinutes: z.coerce.number().int().min(1).max(240).default(30),
    /** Where `transfer_call` sends the caller; default: the deployment's `voice.transferNumber`. */
    transferNumber: e164.optional(),
  })
  .strict()
  .superRefine((agent, ctx) => {
    if (!agent.instructions && !agent.voiceInstructions && !agent.messagingInstructions)
      ctx.addIssue({ code: 'custom', path: ['instructions'], message: 'an agent needs instructions' });
    for (const field of ['instructions', 'voiceInstructions', 'messagingInstructions'] as const) {
      const unknown = unknownVariables(agent[field] ?? '');
      if (unknown.length > 0)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `unknown variable ${unknown.map((v) => `{{${v}}}`).join(', ')} (known: ${INSTRUCTION_VARIABLES.map((v) => `{{${v}}}`).join(', ')})`,
        });
    }
  });

/** The tools an agent names: absent, the tools the single agent had before agents existed; `[]`, none. */
export function agentToolReferences(agent: Pick<AgentDefinition, 'tools'>): readonly string[] {
  return agent.tools ?? DEFAULT_AGENT_TOOLS;
}

/** How a voice agent speaks unless its definition says otherwise. */
export const DEFAULT_VOICE_STYLE =
  'Your words are spoken aloud on a phone call: answer in one to three short sentences, plain words, no lists, no markdown, no emoji.';
/** How a messaging agent writes unless its definition says otherwise. */
export const DEFAULT_MESSAGING_STYLE = 'Replies are sent as text messages: keep them short and plain.';

/** An agent as written (file or API). */
export type AgentDefinitionInput = z.input<typeof AgentDefinitionSchema>;
/** An agent with every default applied. */
export type AgentDefinition = z.infer<typeof AgentDefinitionSchema>;

/** A stored agent: the definition plus its version (each change gets the next number, and is kept). */
export interface AgentVersion {
  agentId: string;
  version: number;
  definition: AgentDefinition;
  /** Where this version came from. */
  source: 'file' | 'api' | 'default';
  createdAt: Date;
}
