import { z } from 'zod';

const accountSid = z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters');
const url = z.url({ protocol: /^(https?|wss?)$/ });

export const TwilioAccountSchema = z.object({
  /** Short name used in logs and the operator API. */
  name: z.string().min(1).default('default'),
  accountSid,
  authToken: z.string().min(1),
  /** Redirects REST calls (api/conversations/... hosts) to an emulator or proxy. */
  apiBaseUrl: url.optional(),
  /** Numbers / WhatsApp senders owned by this account ("+E164" or "whatsapp:+E164"). */
  phoneNumbers: z.array(z.string()).default([]),
  messagingServiceSid: z.string().regex(/^MG[0-9a-fA-F]{32}$/).optional(),
  /** Message sends per second this process makes for the account (Twilio queues or rejects beyond the sender's limit). */
  sendRatePerSecond: z.coerce.number().positive().max(1000).default(10),
});

export const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  realtimePort: z.coerce.number().int().min(0).max(65535).default(3001),
  /** Public base URL Twilio calls (signatures are computed over it). */
  publicUrl: url.default('http://localhost:3000'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  operatorApiKey: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Providers the dev stack emulates locally because no credentials were given (BELUGA_SANDBOX). */
  sandbox: z.array(z.enum(['twilio', 'anthropic'])).default([]),
  temporal: z.object({
    address: z.string().min(1).default('127.0.0.1:7233'),
    namespace: z.string().min(1).default('default'),
    taskQueue: z.string().min(1).default('beluga-orchestrator'),
  }),
  mongodb: z.object({
    uri: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').default('mongodb://127.0.0.1:27017/'),
    database: z.string().min(1).default('beluga'),
  }),
  twilio: z.object({
    accounts: z.array(TwilioAccountSchema).default([]),
  }),
  anthropic: z.object({
    apiKey: z.string().min(1).optional(),
    baseUrl: url.optional(),
    model: z.string().min(1).default('claude-sonnet-5-5'),
    maxTokens: z.coerce.number().int().positive().default(1024),
  }),
  assemblyai: z.object({
    apiKey: z.string().min(1).optional(),
    streamingUrl: url.optional(),
    baseUrl: url.optional(),
    /** How often an async transcription (voice notes) is polled. */
    pollingIntervalMs: z.coerce.number().int().min(10).default(3000),
  }),
  messaging: z.object({
    /** Unsummarized messages the agent may carry before older ones are folded into the summary. */
    historyBudget: z.coerce.number().int().min(4).default(40),
    /** Newest messages kept verbatim when summarizing. */
    keepRecent: z.coerce.number().int().min(1).default(12),
    /** Messages one customer-workflow run handles before continuing as new (bounded event history). */
    maxMessagesPerRun: z.coerce.number().int().min(1).default(200),
  }),
  escalation: z.object({
    /** Gets an SMS when the agent escalates outside a Conversation. */
    onCallNumber: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +14155550100').optional(),
    /** Chat identity added as a participant when the agent escalates inside a Conversation. */
    humanIdentity: z.string().min(1).optional(),
  }),
  conversations: z.object({
    /** Author of the agent's replies in Twilio Conversations; its own messages are never answered. */
    agentIdentity: z.string().trim().min(1).max(256).default('beluga-agent'),
  }),
  agent: z.object({
    systemPrompt: z.string().min(1).default('You are a helpful, concise customer support agent. Replies are sent as text messages: keep them short and plain.'),
    /** Reply sent when the model cannot answer after its retries. */
    fallbackReply: z.string().min(1).default("Sorry, I'm having trouble answering right now. A member of our team will get back to you shortly."),
    summaryPrompt: z
      .string()
      .min(1)
      .default(
        'You maintain the long-term memory of a customer support agent. Merge the existing summary and the conversation excerpt into one updated summary. Keep every fact that matters later: names, contact details, order numbers, amounts, dates, promises made by either side, open issues and preferences. Drop small talk. Plain text, at most 200 words.',
      ),
  }),
});

export type Config = z.infer<typeof ConfigSchema>;
export type TwilioAccount = z.infer<typeof TwilioAccountSchema>;
