import { z } from 'zod';
import { AgentDefinitionSchema, AgentId } from '../agents/definition';
import { ExternalToolsSchema } from '../agents/external-tools';
import { EVENT_TYPES, isEventType } from '../events/catalog';

const accountSid = z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters');
const url = z.url({ protocol: /^(https?|wss?)$/ });

const WhatsAppTemplateSchema = z.object({
  contentSid: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Content Template sid: HX followed by 32 hex digits'),
  /** The template's variables by number ("1", "2"...); `{body}` in a value stands for the message text. */
  variables: z.record(z.string(), z.string()).optional(),
});
export type WhatsAppTemplate = z.infer<typeof WhatsAppTemplateSchema>;

/** Approved templates for WhatsApp messages outside the 24-hour window, by purpose. */
const WhatsAppTemplatesSchema = z
  .object({
    /** For follow-ups the agent scheduled (`schedule_follow_up`). */
    followUp: WhatsAppTemplateSchema.optional(),
    /** For any other message (`platform.sendText`, notifications); follow-ups too when `followUp` is absent. */
    default: WhatsAppTemplateSchema.optional(),
  })
  .strict();
export type WhatsAppTemplates = z.infer<typeof WhatsAppTemplatesSchema>;

/** Whether a line takes calls, and what a caller hears when it does not. */
export const VoiceSwitchSchema = z
  .object({
    enabled: z.union([z.boolean(), z.stringbool()]).optional(),
    /** Spoken to a call the line refuses, before hanging up. */
    disabledMessage: z.string().trim().min(1).max(1_000).optional(),
  })
  .strict();

/** Whether a line answers messages, and the reply a message gets when it does not (none when absent). */
export const MessagingSwitchSchema = z
  .object({
    enabled: z.union([z.boolean(), z.stringbool()]).optional(),
    disabledReply: z.string().trim().min(1).max(1_600).optional(),
  })
  .strict();

/** A line's address: a number, a WhatsApp sender or a Conversations service. */
export const LineAddress = z
  .string()
  .regex(
    /^(\+[1-9]\d{6,14}|whatsapp:\+[1-9]\d{6,14}|IS[0-9a-fA-F]{32})$/,
    'must be +E164, whatsapp:+E164 or a Conversations service sid (IS…)',
  );

/**
 * One of the account's lines: a number (voice and SMS), a WhatsApp sender (`whatsapp:+E164`) or a
 * Conversations service (`IS…`), with the agent that answers it and its switches. Unset fields
 * inherit the account's.
 */
const LineSchema = z
  .object({
    address: LineAddress,
    agent: AgentId.optional(),
    voice: VoiceSwitchSchema.prefault({}),
    messaging: MessagingSwitchSchema.prefault({}),
  })
  .strict();
export type LineConfig = z.infer<typeof LineSchema>;

const TwilioAccountSchema = z.object({
  /** Short name used in logs and the operator API. */
  name: z.string().min(1).default('default'),
  accountSid,
  authToken: z.string().min(1),
  /** Redirects REST calls (api/conversations/... hosts) to an emulator or proxy. */
  apiBaseUrl: url.optional(),
  /** Numbers / WhatsApp senders owned by this account ("+E164" or "whatsapp:+E164"). */
  phoneNumbers: z.array(z.string()).default([]),
  messagingServiceSid: z
    .string()
    .regex(/^MG[0-9a-fA-F]{32}$/)
    .optional(),
  /** Message sends per second this process makes for the account (Twilio queues or rejects beyond the sender's limit). */
  sendRatePerSecond: z.coerce.number().positive().max(1000).default(10),
  /** The agent answering this account's lines unless a line names another (default: `default`). */
  agent: AgentId.optional(),
  /** Account-wide switches; a line's own override them. */
  voice: VoiceSwitchSchema.prefault({}),
  messaging: MessagingSwitchSchema.prefault({}),
  /** Per-line agents and switches (numbers, WhatsApp senders, Conversations services). */
  lines: z.array(LineSchema).default([]),
  /** Used when a WhatsApp message falls outside the 24-hour window (else the message is refused). */
  whatsappTemplates: WhatsAppTemplatesSchema.optional(),
  /**
   * The URLs this platform hands Twilio for each kind of callback, per account (default: the
   * gateway's own route under PUBLIC_URL), and which call progress events Twilio should send.
   */
  callbacks: z
    .object({
      messageStatusUrl: url.optional(),
      callStatusUrl: url.optional(),
      callStatusEvents: z
        .array(z.enum(['initiated', 'ringing', 'answered', 'completed']))
        .min(1)
        .default(['initiated', 'ringing', 'answered', 'completed']),
      recordingStatusUrl: url.optional(),
      /** Per-conversation scoped webhook target and the Conversations events it subscribes to. */
      conversationsWebhookUrl: url.optional(),
      conversationsWebhookFilters: z
        .array(z.string().regex(/^on[A-Z]\w+$/, 'must be a Twilio Conversations event name like onMessageAdded'))
        .min(1)
        .default([
          'onMessageAdded',
          'onParticipantAdded',
          'onParticipantRemoved',
          'onConversationStateUpdated',
          'onDeliveryUpdated',
        ]),
    })
    .prefault({}),
});

const eventPattern = z
  .string()
  .refine((p) => p === '*' || (p.endsWith('.*') ? /^[a-z_]+\.\*$/.test(p) : isEventType(p)), {
    message: `must be an event type (${EVENT_TYPES.join(', ')}), a prefix like "call.*", or "*"`,
  });

/** Equality filters on the event: `account` (account name), `accountSid`, `customerId`, or a `data.<field>` path; a list means any of. */
const FILTER_KEY = /^(account|accountSid|customerId|data(\.[A-Za-z0-9_]+)+)$/;
const eventFilter = z
  .record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]))
  .superRefine((filter, ctx) => {
    for (const key of Object.keys(filter)) {
      if (!FILTER_KEY.test(key))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `filter keys are account, accountSid, customerId or data.<field> (got "${key}")`,
        });
    }
  })
  .default({});

/** Starts the named workflow (exported from workflows/custom) for each matching event. */
const EventBindingSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only (it becomes part of workflow ids)'),
  events: z.array(eventPattern).min(1),
  workflow: z.string().regex(/^[A-Za-z_$][\w$]*$/, 'must be the exported name of a workflow function'),
  filter: eventFilter,
  /** Defaults to the orchestrator's task queue. */
  taskQueue: z.string().min(1).optional(),
});

/** An outgoing webhook: matching events are POSTed as signed JSON, retried durably until the deadline. */
const WebhookSubscriberSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only (it becomes part of workflow ids)'),
  url: z.url({ protocol: /^https?$/ }),
  /** HMAC-SHA256 key the receiver verifies `Beluga-Signature` with. */
  secret: z.string().min(16, 'must be at least 16 characters'),
  events: z.array(eventPattern).min(1),
  filter: eventFilter,
  /** Give up after this long (then the delivery log records the final failure). */
  deadlineSeconds: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 3600),
  initialBackoffMs: z.coerce.number().int().min(1).default(1000),
  maxBackoffMs: z.coerce
    .number()
    .int()
    .min(1)
    .default(10 * 60 * 1000),
  /** One attempt's limit: a slow receiver counts as a failed attempt. */
  timeoutMs: z.coerce.number().int().min(100).default(10_000),
});

/** Where chunks live (LanceDB): a directory, or an object-store URI in production. */
const KnowledgeStoreUri = z
  .string()
  .trim()
  .min(1)
  .refine((uri) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) || /^(s3|s3\+ddb|gs|az|file):\/\/[^/\s]+/i.test(uri), {
    message: 'must be a directory path or an object-store URI like s3://bucket/prefix (also gs://, az://)',
  });

/** Knowledge: the chunk store, the embedding provider, document limits and retrieval sizes (src/knowledge/). */
const KnowledgeSchema = z.object({
  storeUri: KnowledgeStoreUri.default('.data/knowledge'),
  /**
   * LanceDB object-store settings (aws_endpoint, aws_region, allow_http...), filled from the AWS_*
   * environment when the store is on object storage. Credentials among them are never logged.
   */
  storageOptions: z.record(z.string(), z.string()).default({}),
  embeddings: z
    .object({
      provider: z.enum(['none', 'voyage']).default('none'),
      apiKey: z.string().min(1).optional(),
      baseUrl: url.optional(),
      model: z.string().min(1).default('voyage-3.5-lite'),
      dimensions: z.coerce
        .number()
        .pipe(z.literal([256, 512, 1024, 2048], { error: 'must be 256, 512, 1024 or 2048' }))
        .default(512),
    })
    .prefault({}),
  documents: z
    .object({
      maxBytes: z.coerce
        .number()
        .int()
        .min(1)
        .default(10 * 1024 * 1024),
      fetchTimeoutMs: z.coerce.number().int().min(100).default(15_000),
      /**
       * Let registered URLs reach private, loopback and link-local addresses. Off in production: an
       * operator-registered URL must not become a way into the internal network (SSRF). On in tests and
       * `npm run dev`, whose document servers are local.
       */
      allowPrivateUrls: z.union([z.boolean(), z.stringbool()]).default(false),
    })
    .prefault({}),
  retrieval: z
    .object({
      messagingTopK: z.coerce.number().int().min(1).max(20).default(4),
      voiceTopK: z.coerce.number().int().min(1).max(20).default(3),
      /** Voice: a partial transcript must stand this long before it is searched (the caller is still talking). */
      voiceDebounceMs: z.coerce.number().int().min(0).max(2000).default(120),
      /**
       * Voice: how long a reply waits at the end of the caller's turn for passages not ready yet; past
       * it the reply goes on without them (the model can still call search_knowledge, with its filler).
       */
      voiceWaitBudgetMs: z.coerce.number().int().min(0).max(1000).default(30),
    })
    .prefault({}),
  /** The orchestrator compacts and re-indexes the store this often, when something was written since. */
  optimizeIntervalMinutes: z.coerce.number().min(0.01).max(1440).default(10),
});
export type KnowledgeConfig = z.infer<typeof KnowledgeSchema>;

export const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  realtimePort: z.coerce.number().int().min(0).max(65535).default(3001),
  /** The orchestrator's `/health` and `/metrics` (it has no other HTTP). */
  orchestratorHealthPort: z.coerce.number().int().min(0).max(65535).default(3002),
  /** Where the gateway reaches the realtime worker to pass media streams through (one public URL). */
  realtimeInternalUrl: z.url({ protocol: /^(http|ws)$/ }).optional(),
  /**
   * Several realtime workers (REALTIME_INTERNAL_URLS, comma-separated): the gateway passes each
   * media stream to one that takes it, skipping dead, draining and full ones. Absent: `realtimeInternalUrl`.
   */
  realtimeInternalUrls: z.array(z.url({ protocol: /^(http|ws)$/ })).optional(),
  /** Public base URL Twilio calls (signatures are computed over it). */
  publicUrl: url.default('http://localhost:3000'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  operatorApiKey: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * Bearer token the gateway presents to the realtime workers' internal endpoints (the live call feed)
   * (BELUGA_INTERNAL_TOKEN). Unset: derived from `operatorApiKey` (src/config/internal-token.ts).
   */
  internalToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Providers the dev stack emulates locally because no credentials were given (BELUGA_SANDBOX). */
  sandbox: z.array(z.enum(['twilio', 'anthropic', 'assemblyai', 'tts'])).default([]),
  /**
   * The dev sandbox's loopback control endpoint (BELUGA_SANDBOX_CONTROL_URL / _TOKEN): where the gateway
   * scripts what a browser call's simulated caller says to the emulated speech recognition.
   */
  sandboxControl: z.object({ url: url, token: z.string().min(16) }).optional(),
  temporal: z.object({
    address: z.string().min(1).default('127.0.0.1:7233'),
    namespace: z.string().min(1).default('default'),
    taskQueue: z.string().min(1).default('beluga-orchestrator'),
    /** The Temporal Web UI's base URL (TEMPORAL_UI_URL), for the console's links to a call's workflow. */
    uiUrl: url.optional(),
  }),
  mongodb: z.object({
    uri: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .default('mongodb://127.0.0.1:27017/'),
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
    /** Streaming model for calls (v3 requires one). */
    speechModel: z.string().min(1).default('universal-streaming-english'),
    /** Silence that ends a caller's turn when the model is confident it ended (lower = snappier). */
    minTurnSilenceMs: z.coerce.number().int().min(100).max(5000).default(200),
    /** Silence that ends a turn regardless of confidence. */
    maxTurnSilenceMs: z.coerce.number().int().min(200).max(10000).default(1280),
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
    /**
     * How long a message's attachments may take to be understood (downloads, voice-note
     * transcription) before the customer's queue moves on: the reply then says the attachment could
     * not be read. Below the media activity's hard limit (MEDIA_DIGESTION, 5 minutes).
     */
    mediaDeadlineSeconds: z.coerce.number().min(1).max(240).default(90),
  }),
  escalation: z.object({
    /** Gets an SMS when the agent escalates outside a Conversation. */
    onCallNumber: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +14155550100')
      .optional(),
    /** Chat identity added as a participant when the agent escalates inside a Conversation. */
    humanIdentity: z.string().min(1).optional(),
  }),
  conversations: z.object({
    /** Author of the agent's replies in Twilio Conversations; its own messages are never answered. */
    agentIdentity: z.string().trim().min(1).max(256).default('beluga-agent'),
  }),
  /** Streaming text-to-speech with telephone-ready (mu-law 8 kHz) output. */
  tts: z.object({
    provider: z.enum(['elevenlabs']).default('elevenlabs'),
    apiKey: z.string().min(1).optional(),
    baseUrl: url.optional(),
    voiceId: z.string().min(1).default('21m00Tcm4TlvDq8ikWAM'),
    modelId: z.string().min(1).default('eleven_flash_v2_5'),
  }),
  voice: z.object({
    /**
     * Where Twilio opens media streams (`wss://…/twilio/media-stream`). Default: through the
     * gateway under PUBLIC_URL (one tunnel is enough); pointing it at the realtime workers directly
     * (a load balancer in front of them) saves the pass-through hop, about half the per-call CPU
     * of a silent call in docs/benchmarks.md.
     */
    mediaStreamUrl: z.url({ protocol: /^wss?$/ }).optional(),
    /** Spoken as soon as the media stream starts (no model round trip before the first words). */
    greeting: z.string().min(1).default('Hi, thanks for calling. How can I help you today?'),
    systemPrompt: z
      .string()
      .min(1)
      .default(
        'You are a friendly, efficient customer support agent on a phone call. Your words are spoken aloud: answer in one to three short sentences, plain words, no lists, no markdown, no emoji.',
      ),
    /** Said when the model or speech synthesis fails, instead of silence. */
    fallbackLine: z.string().min(1).default("Sorry, I'm having trouble on my end. Could you say that again?"),
    /** Said when a tool takes longer than `fillerAfterMs`. */
    filler: z.string().min(1).default('One moment while I take care of that.'),
    fillerAfterMs: z.coerce.number().int().min(0).default(400),
    /** Where the transfer tool sends the caller (a person or a queue's number). */
    transferNumber: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +14155550100')
      .optional(),
    /** Record calls (Twilio recording, with recording status callbacks). */
    record: z.union([z.boolean(), z.stringbool()]).default(false),
    /** With `record` on, said before the greeting, in the same breath (the caller hears it first). */
    recordingAnnouncement: z.string().min(1).default('This call is recorded.'),
    /**
     * Recordings older than this many days are deleted at Twilio (and marked deleted in
     * `call_recordings`) by the recording-retention workflow; unset: kept as long as Twilio keeps them.
     */
    recordingRetentionDays: z.coerce.number().int().min(1).max(36_500).optional(),
    /**
     * Every inbound caller is unverified until they confirm a code sent to the number on file, even
     * with full STIR/SHAKEN attestation (src/customers/caller-trust.ts).
     */
    requireVerification: z.union([z.boolean(), z.stringbool()]).default(false),
    /**
     * Said by the realtime worker that takes over a call whose stream was lost (a worker crash or
     * deploy) instead of the greeting; an agent's `resumptionLine` overrides it.
     */
    resumptionLine: z
      .string()
      .min(1)
      .default("Sorry about that, we were cut off for a moment. I'm back; please go on."),
    /** Calls one realtime worker holds at once; beyond it a stream goes to another worker (or the caller hears `busyLine`). */
    maxConcurrentCalls: z.coerce.number().int().min(1).max(10_000).default(100),
    /** Said when every realtime worker is full, draining or down, before the hang-up. */
    busyLine: z
      .string()
      .min(1)
      .default('Sorry, all our lines are busy right now. Please call back in a few minutes. Goodbye.'),
    /** Voiced caller audio (ms within the last 400 ms) that interrupts the agent: a cough is shorter. */
    bargeInMinVoicedMs: z.coerce.number().int().min(20).max(2000).default(200),
    /** Linear RMS above which a 20 ms frame counts as voiced. */
    voicedRms: z.coerce.number().min(1).default(500),
  }),
  /** Event type → user workflow bindings (reloadable). */
  events: z.object({
    bindings: z.array(EventBindingSchema).default([]),
  }),
  /** Outgoing webhooks to the user's own systems (reloadable). */
  webhooks: z.object({
    subscribers: z.array(WebhookSubscriberSchema).default([]),
  }),
  /**
   * Agents: who answers which line, with what instructions, voice, model and tools (src/agents/).
   * The settings below (`voice`, `agent`, `tts`, `anthropic`) make the agent `default` unless one
   * with that id is defined here.
   */
  agents: z.array(AgentDefinitionSchema).default([]),
  knowledge: KnowledgeSchema.prefault({}),
  /** The operator console's sign-in (read per request: a change applies at once, to open sessions too). */
  console: z
    .object({
      /** A session ends this long after sign-in. */
      sessionTtlMinutes: z.coerce.number().min(0.01).max(43_200).default(480),
      /** Failed sign-ins per email and per client address in 15 minutes before sign-in answers 429. */
      signInFailureLimit: z.coerce.number().int().min(1).max(10_000).default(10),
    })
    .prefault({}),
  /** Tools declared without code: HTTP endpoints and MCP servers that agents name in their `tools`. */
  tools: ExternalToolsSchema.prefault({}),
  /** Free-form settings for users' own workflows and activities (e.g. `crmUrl`). */
  custom: z.record(z.string(), z.unknown()).default({}),
  agent: z.object({
    systemPrompt: z
      .string()
      .min(1)
      .default(
        'You are a helpful, concise customer support agent. Replies are sent as text messages: keep them short and plain.',
      ),
    /** Reply sent when the model cannot answer after its retries. */
    fallbackReply: z
      .string()
      .min(1)
      .default("Sorry, I'm having trouble answering right now. A member of our team will get back to you shortly."),
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
export type VoiceSwitch = z.infer<typeof VoiceSwitchSchema>;
export type MessagingSwitch = z.infer<typeof MessagingSwitchSchema>;
export type EventBinding = z.infer<typeof EventBindingSchema>;
export type WebhookSubscriber = z.infer<typeof WebhookSubscriberSchema>;
