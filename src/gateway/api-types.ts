/**
 * The operator API's JSON shapes for what the console shows, shared by the gateway's routes (which
 * build them) and the console (which imports this file for types only). Dates travel as ISO strings.
 * Keep this file free of runtime imports: the console's bundle must not pull server code in.
 */
import type { AgentDefinition } from '../agents/definition';
import type { CallOutcome, CallTurn, TurnLatency } from '../voice/call-types';

export type { CallTurn, TurnLatency };

// ---------------------------------------------------------------- sessions and operators

export type OperatorRole = 'admin' | 'agent';

export interface OperatorView {
  operatorId: string;
  name: string;
  email?: string;
  role: OperatorRole;
  /** The accounts this operator sees (`all` for the deployment's root key). */
  accounts: 'all' | string[];
  /** A disabled operator cannot sign in or use their keys. */
  disabled?: boolean;
  createdAt?: string;
  /** `GET /api/operators/:id` only. */
  apiKeys?: ApiKeyView[];
}

/** `GET /api/operators` (admins; the operators within the admin's accounts). */
export interface OperatorList {
  operators: OperatorView[];
}

/** An operator's API key as listed (the key itself is shown once, when created). */
export interface ApiKeyView {
  keyId: string;
  name: string;
  createdAt: string;
  revokedAt?: string;
}

/** `POST /api/operators/:id/api-keys`: `apiKey` is shown this once and stored only as a hash. */
export interface CreatedApiKey extends ApiKeyView {
  apiKey: string;
}

/** `GET /api/audit?operatorId&action&accountSid&cursor&limit` (admins; newest first, scoped to their accounts). */
export interface AuditList {
  entries: AuditEntry[];
  nextCursor?: string;
}

/** `GET /api/session`, `POST /api/session`: who is signed in; `csrfToken` goes in `X-CSRF-Token` on every unsafe request. */
export interface SessionView {
  operator: OperatorView;
  csrfToken: string;
  expiresAt: string;
  /** The configured accounts this operator sees, with their numbers (for pickers). */
  accounts: Array<{ accountSid: string; name?: string; phoneNumbers: string[] }>;
  /** Base URL of the Temporal Web UI, for links to workflows (absent when not configured). */
  temporalUiUrl?: string;
  temporalNamespace: string;
}

/** `POST /api/session` body: an operator's email and password, or an API key. */
export type SignInRequest = { email: string; password: string } | { apiKey: string };

export interface AuditEntry {
  id: string;
  at: string;
  operatorId: string;
  operatorName: string;
  /** e.g. `PUT /api/agents/:id`, `session.sign_in`, `takeover.pause`. */
  action: string;
  /** What it acted on, e.g. the agent id or the customer id. */
  target?: string;
  accountSid?: string;
  status: number;
  /** How the operator authenticated. */
  via?: 'key' | 'session';
}

// ---------------------------------------------------------------- live

/** A call in progress as the console shows it. */
export interface LiveCall {
  callSid: string;
  accountSid: string;
  customerId: string;
  remote: string;
  local: string;
  direction: string;
  agentId?: string;
  agentVersion?: number;
  startedAt: string;
  /** Finished turns so far (the agent's as heard). */
  turns: CallTurn[];
  /** What is being said right now: the caller's words recognized so far, or the agent's reply as it is spoken. */
  current?: { role: 'caller' | 'agent'; text: string; turnId?: number };
  /** Browser calls made from the console. */
  browser?: boolean;
}

/** `GET /api/live` (server-sent events, `event: <type>`, `data: <json>`), scoped to the operator's accounts. */
export type LiveEvent =
  | {
      type: 'snapshot';
      calls: LiveCall[];
      waiting: TakeoverView[];
      /**
       * `off`: the gateway has no internal token (BELUGA_INTERNAL_TOKEN or OPERATOR_API_KEY), so it cannot
       * read the realtime workers' calls; the waiting queue still works. `partial`: some workers did not answer.
       */
      feed: 'on' | 'off' | 'partial';
    }
  | { type: 'call.started'; call: LiveCall }
  | { type: 'call.current'; callSid: string; accountSid: string; current: NonNullable<LiveCall['current']> }
  | { type: 'call.turn'; callSid: string; accountSid: string; turn: CallTurn }
  | { type: 'call.ended'; callSid: string; accountSid: string }
  | { type: 'takeover'; takeover: TakeoverView };

// ---------------------------------------------------------------- calls

/** How a call ended: the call record's own outcome. */
export type CallOutcomeView = CallOutcome;

/** One row of `GET /api/calls?accountSid&agentId&number&outcome&from&to&cursor&limit` (newest first). */
export interface CallSummary {
  callSid: string;
  accountSid: string;
  customerId?: string;
  remote?: string;
  local?: string;
  direction?: string;
  agentId?: string;
  agentVersion?: number;
  startedAt: string;
  endedAt?: string;
  outcome?: CallOutcomeView;
  durationSeconds?: number;
  turnCount: number;
  /** Still in progress (no outcome yet). */
  live: boolean;
  /** Placed from the console's browser call (no phone line; the remote is `browser:<operatorId>`). */
  browser?: boolean;
}

export interface CallList {
  calls: CallSummary[];
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** A tool the agent called during a turn, and what it returned. */
export interface ToolCallView {
  turnId: number;
  toolCallId: string;
  name: string;
  input: Record<string, unknown>;
  result: string;
  ok: boolean;
  at: string;
}

export interface RecordingView {
  recordingSid: string;
  status: string;
  durationSeconds?: number;
  /** Same-origin URL that streams the audio through the gateway (absent when deleted or not completed). */
  audioUrl?: string;
  deletedAt?: string;
}

/** `GET /api/calls/:callSid` for the console (the call record plus what the call page needs). */
export interface CallDetail extends CallSummary {
  finalStatus?: string;
  endReason?: string;
  dtmf: string[];
  turns: CallTurn[];
  toolCalls: ToolCallView[];
  recordings: RecordingView[];
  agents?: Array<{ agentId: string; version: number; at: string }>;
  /** The call workflow in the Temporal Web UI (absent when no UI is configured). */
  workflowUrl?: string;
  workflowId: string;
}

// ---------------------------------------------------------------- customers, history, takeover

/** `GET /api/customers?accountSid&q&cursor&limit`: customers by latest activity. */
export interface CustomerSummary {
  customerId: string;
  accountSid: string;
  addresses: string[];
  lastActivityAt?: string;
  lastChannel?: string;
  takeover?: TakeoverState;
}

export type HistoryAuthor = 'customer' | 'agent' | 'human';

/** One entry of `GET /api/customers/:id/history?cursor&limit`, newest first, across every channel. */
export type HistoryItem =
  | {
      kind: 'message';
      id: string;
      at: string;
      channel: 'sms' | 'whatsapp' | 'conversations' | 'voice';
      direction: 'inbound' | 'outbound';
      author: HistoryAuthor;
      /** The operator who wrote it, for `human`. */
      operatorName?: string;
      body: string;
      from?: string;
      to?: string;
      status?: string;
      media?: Array<{ contentType: string; description?: string }>;
    }
  | {
      kind: 'call';
      id: string;
      at: string;
      callSid: string;
      direction?: string;
      outcome?: CallOutcomeView;
      durationSeconds?: number;
      turnCount: number;
    };

export interface CustomerHistory {
  items: HistoryItem[];
  nextCursor?: string;
}

/** `GET /api/customers/:id` for the console. */
export interface CustomerDetail {
  customerId: string;
  accountSid: string;
  addresses: string[];
  memory: { summary: string; updatedAt: string } | null;
  consent: Array<{ address: string; optedOut: boolean; since?: string }>;
  takeover: TakeoverView;
}

/**
 * Who answers a customer: the agent, or a person. `waiting`: an escalation (or an operator's pause)
 * put the conversation in the queue and no one has replied yet; `human`: an operator replied or took it.
 */
export type TakeoverState = 'agent' | 'waiting' | 'human';

export interface TakeoverView {
  customerId: string;
  accountSid: string;
  state: TakeoverState;
  /** Why: the escalation's reason, or the operator's note. */
  reason?: string;
  /** `escalation` (the agent asked for a person) or `operator` (someone paused the agent). */
  origin?: 'escalation' | 'operator';
  since?: string;
  /** The operator working it. */
  operatorId?: string;
  operatorName?: string;
  /** Where replies go: the customer's address and our address on their latest channel. */
  channel?: string;
  customerAddress?: string;
  businessAddress?: string;
  /** The Twilio Conversation replies are posted in, when the customer last wrote in one. */
  conversationSid?: string;
  /** Inbound messages since the agent was paused that no one has answered. */
  unanswered?: number;
  lastMessageAt?: string;
  /** The latest human reply: sent, or refused with why (opted out, WhatsApp window closed, no channel). */
  lastReply?: { replyId: string; status: 'sent' | 'failed'; error?: string; at: string };
  /** When the agent last got the conversation back. */
  handedBackAt?: string;
}

/** `POST /api/customers/:id/takeover` (pause), `POST /api/customers/:id/replies` (reply as the business), `DELETE /api/customers/:id/takeover` (hand back). */
export interface HumanReplyRequest {
  text: string;
}
export interface HumanReplyAccepted {
  replyId: string;
}

// ---------------------------------------------------------------- browser calls

/** `POST /api/browser-calls` → where the page's WebSocket goes; the call then runs the same loop as a Twilio call. */
export interface BrowserCallStart {
  callSid: string;
  /** Same-origin WebSocket path (carries a one-time ticket); speaks Twilio's Media Streams messages. */
  socketPath: string;
  /** True when speech recognition is emulated: the page shows a text box and posts lines to `sayPath`. */
  sandbox: boolean;
  sayPath?: string;
}

// ---------------------------------------------------------------- agents (existing routes, as they answer)

/** One row of `GET /api/agents`. */
export interface AgentListItem {
  agentId: string;
  name: string;
  version: number;
  source: AgentVersionView['source'];
  createdAt: string;
}

/** `GET /api/agents/:id` (and each version); `PUT /api/agents/:id` takes `definition` back (and answers this plus `created`). */
export interface AgentVersionView {
  agentId: string;
  version: number;
  source: 'file' | 'api' | 'default';
  createdAt: string;
  definition: AgentDefinition;
}

/** `POST /api/agents/:id/test` body. */
export interface DryRunRequest {
  message: string;
  channel?: 'voice' | 'sms' | 'whatsapp' | 'conversations';
}

/** `POST /api/agents/:id/test`: one model call, nothing run, stored or sent. */
export interface DryRunResult {
  agentId: string;
  version: number;
  channel: string;
  system: string;
  reply: string;
  toolCalls: Array<{ name: string; input: Record<string, unknown> }>;
}

// ---------------------------------------------------------------- knowledge (existing routes, as they answer)

export interface KnowledgeBaseView {
  id: string;
  accountSid: string;
  name: string;
  description: string;
  createdAt: string;
}

export type DocumentStatusView = 'queued' | 'ingesting' | 'ready' | 'failed' | 'deleting';

/** A document of `GET /api/knowledge-bases/:id/documents` (and the 202 of an upload). */
export interface DocumentView {
  id: string;
  knowledgeBaseId: string;
  accountSid: string;
  title: string;
  source: 'upload' | 'url';
  url?: string;
  filename?: string;
  contentType: string;
  bytes: number;
  status: DocumentStatusView;
  error?: { code: string; message: string };
  chunkCount: number;
  version: number;
  ingestedAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** One hit of `GET /api/search?q&knowledgeBase&customer&limit`. */
export interface SearchHitView {
  score: number;
  snippet: string;
  title: string;
  kind: 'call' | 'message' | 'voice_note' | 'image' | 'document';
  source: Record<string, unknown> & { kind: string };
  at?: string;
  customerId?: string;
  channel?: string;
  chunkId: string;
}

export interface SearchResultView {
  query: string;
  mode: string;
  degraded?: string;
  tookMs: number;
  hits: SearchHitView[];
}

// ---------------------------------------------------------------- health

/** `GET /health` (unauthenticated; 503 when unhealthy, with the same body). */
export type { HealthReport, HealthCheck } from '../health/status';
