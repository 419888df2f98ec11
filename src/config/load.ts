import fs from 'node:fs';
import { z } from 'zod';
import { anyAgentOnAnthropic } from '../agents/default-agent';
import { agentConfigProblems } from '../agents/validate';
import { ConfigSchema, type Config } from './schema';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Scalar settings that come from one environment variable each: [env name, path in Config]. */
const ENV_SETTINGS: Array<[string, string[]]> = [
  ['PORT', ['port']],
  ['REALTIME_PORT', ['realtimePort']],
  ['ORCHESTRATOR_HEALTH_PORT', ['orchestratorHealthPort']],
  ['REALTIME_INTERNAL_URL', ['realtimeInternalUrl']],
  ['PUBLIC_URL', ['publicUrl']],
  ['LOG_LEVEL', ['logLevel']],
  ['OPERATOR_API_KEY', ['operatorApiKey']],
  ['BELUGA_INTERNAL_TOKEN', ['internalToken']],
  ['TEMPORAL_ADDRESS', ['temporal', 'address']],
  ['TEMPORAL_NAMESPACE', ['temporal', 'namespace']],
  ['TEMPORAL_TASK_QUEUE', ['temporal', 'taskQueue']],
  ['TEMPORAL_UI_URL', ['temporal', 'uiUrl']],
  ['BELUGA_SANDBOX_CONTROL_URL', ['sandboxControl', 'url']],
  ['BELUGA_SANDBOX_CONTROL_TOKEN', ['sandboxControl', 'token']],
  ['MONGODB_URI', ['mongodb', 'uri']],
  ['MONGODB_DATABASE', ['mongodb', 'database']],
  ['ANTHROPIC_API_KEY', ['anthropic', 'apiKey']],
  ['ANTHROPIC_BASE_URL', ['anthropic', 'baseUrl']],
  ['ANTHROPIC_MODEL', ['anthropic', 'model']],
  ['ANTHROPIC_MAX_TOKENS', ['anthropic', 'maxTokens']],
  ['ASSEMBLYAI_API_KEY', ['assemblyai', 'apiKey']],
  ['ASSEMBLYAI_STREAMING_URL', ['assemblyai', 'streamingUrl']],
  ['ASSEMBLYAI_BASE_URL', ['assemblyai', 'baseUrl']],
  ['ASSEMBLYAI_POLLING_INTERVAL_MS', ['assemblyai', 'pollingIntervalMs']],
  ['ASSEMBLYAI_SPEECH_MODEL', ['assemblyai', 'speechModel']],
  ['TTS_PROVIDER', ['tts', 'provider']],
  ['TTS_API_KEY', ['tts', 'apiKey']],
  ['ELEVENLABS_API_KEY', ['tts', 'apiKey']],
  ['TTS_BASE_URL', ['tts', 'baseUrl']],
  ['TTS_VOICE_ID', ['tts', 'voiceId']],
  ['TTS_MODEL_ID', ['tts', 'modelId']],
  ['VOICE_GREETING', ['voice', 'greeting']],
  ['MEDIA_STREAM_URL', ['voice', 'mediaStreamUrl']],
  ['VOICE_TRANSFER_NUMBER', ['voice', 'transferNumber']],
  ['VOICE_RECORD', ['voice', 'record']],
  ['VOICE_RECORDING_ANNOUNCEMENT', ['voice', 'recordingAnnouncement']],
  ['VOICE_RECORDING_RETENTION_DAYS', ['voice', 'recordingRetentionDays']],
  ['VOICE_REQUIRE_VERIFICATION', ['voice', 'requireVerification']],
  ['VOICE_RESUMPTION_LINE', ['voice', 'resumptionLine']],
  ['VOICE_BUSY_LINE', ['voice', 'busyLine']],
  ['REALTIME_MAX_CALLS', ['voice', 'maxConcurrentCalls']],
  ['ESCALATION_ON_CALL_NUMBER', ['escalation', 'onCallNumber']],
  ['ESCALATION_HUMAN_IDENTITY', ['escalation', 'humanIdentity']],
  ['MESSAGING_HISTORY_BUDGET', ['messaging', 'historyBudget']],
  ['MESSAGING_KEEP_RECENT', ['messaging', 'keepRecent']],
  ['MESSAGING_MAX_MESSAGES_PER_RUN', ['messaging', 'maxMessagesPerRun']],
  ['MESSAGING_MEDIA_DEADLINE_SECONDS', ['messaging', 'mediaDeadlineSeconds']],
  ['CONVERSATIONS_AGENT_IDENTITY', ['conversations', 'agentIdentity']],
  ['KNOWLEDGE_STORE_URI', ['knowledge', 'storeUri']],
  ['KNOWLEDGE_EMBEDDINGS', ['knowledge', 'embeddings', 'provider']],
  ['VOYAGE_API_KEY', ['knowledge', 'embeddings', 'apiKey']],
  ['VOYAGE_BASE_URL', ['knowledge', 'embeddings', 'baseUrl']],
  ['VOYAGE_MODEL', ['knowledge', 'embeddings', 'model']],
  ['VOYAGE_DIMENSIONS', ['knowledge', 'embeddings', 'dimensions']],
  ['KNOWLEDGE_DOCUMENTS_MAX_BYTES', ['knowledge', 'documents', 'maxBytes']],
  ['KNOWLEDGE_FETCH_TIMEOUT_MS', ['knowledge', 'documents', 'fetchTimeoutMs']],
  ['KNOWLEDGE_ALLOW_PRIVATE_URLS', ['knowledge', 'documents', 'allowPrivateUrls']],
  ['KNOWLEDGE_MESSAGING_TOP_K', ['knowledge', 'retrieval', 'messagingTopK']],
  ['KNOWLEDGE_VOICE_TOP_K', ['knowledge', 'retrieval', 'voiceTopK']],
  ['KNOWLEDGE_VOICE_DEBOUNCE_MS', ['knowledge', 'retrieval', 'voiceDebounceMs']],
  ['KNOWLEDGE_VOICE_WAIT_BUDGET_MS', ['knowledge', 'retrieval', 'voiceWaitBudgetMs']],
  ['KNOWLEDGE_OPTIMIZE_INTERVAL_MINUTES', ['knowledge', 'optimizeIntervalMinutes']],
  ['CONSOLE_SESSION_TTL_MINUTES', ['console', 'sessionTtlMinutes']],
  ['CONSOLE_SIGN_IN_FAILURE_LIMIT', ['console', 'signInFailureLimit']],
];

/**
 * LanceDB's object-store settings from the standard AWS environment (what MinIO or S3 needs), as
 * storage options: [env name, option]. Read only for an object-store `knowledge.storeUri`.
 */
const OBJECT_STORE_ENV: Array<[string, string]> = [
  ['AWS_ENDPOINT_URL', 'aws_endpoint'],
  ['AWS_ENDPOINT', 'aws_endpoint'],
  ['AWS_REGION', 'aws_region'],
  ['AWS_DEFAULT_REGION', 'aws_region'],
  ['AWS_ACCESS_KEY_ID', 'aws_access_key_id'],
  ['AWS_SECRET_ACCESS_KEY', 'aws_secret_access_key'],
  ['AWS_SESSION_TOKEN', 'aws_session_token'],
  ['AWS_ALLOW_HTTP', 'allow_http'],
];

function mergeObjectStoreEnv(raw: Json, env: Env): void {
  const knowledge = (raw.knowledge ??= {}) as Json;
  const uri = typeof knowledge.storeUri === 'string' ? knowledge.storeUri : '';
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) || uri.startsWith('file://')) return;
  const options = { ...(knowledge.storageOptions as Record<string, string> | undefined) };
  for (const [name, option] of OBJECT_STORE_ENV) {
    const value = env[name];
    if (value === undefined || value === '' || option in options) continue;
    options[option] = value;
  }
  knowledge.storageOptions = options;
}

/** Settings that only make sense together, named by their env variables. */
function knowledgeProblems(config: Config): string[] {
  const embeddings = config.knowledge.embeddings;
  if (embeddings.provider === 'voyage' && !embeddings.apiKey)
    return ['VOYAGE_API_KEY (knowledge.embeddings.apiKey): required when KNOWLEDGE_EMBEDDINGS is voyage'];
  return [];
}

type Json = Record<string, unknown>;

function setPath(target: Json, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1]!] = value;
}

function readFile(file: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`BELUGA_CONFIG_FILE: cannot read ${file}: ${(error as Error).message}`]);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('top level must be a JSON object');
    return parsed as Json;
  } catch (error) {
    throw new ConfigError([`BELUGA_CONFIG_FILE: ${file} is not valid JSON: ${(error as Error).message}`]);
  }
}

/** The env account (TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN) joins or overrides the file's accounts. */
function mergeEnvAccount(raw: Json, env: Env, problems: string[]): void {
  const twilio = (raw.twilio ??= {}) as Json;
  const accounts = Array.isArray(twilio.accounts) ? (twilio.accounts as Json[]) : [];
  twilio.accounts = accounts;
  const sid = env.TWILIO_ACCOUNT_SID;
  const token = env.TWILIO_AUTH_TOKEN;
  if (sid || token) {
    if (!sid) problems.push('TWILIO_ACCOUNT_SID: required when TWILIO_AUTH_TOKEN is set');
    else if (!token) problems.push('TWILIO_AUTH_TOKEN: required when TWILIO_ACCOUNT_SID is set');
    else {
      // The file may list an account's numbers, lines and agents without its credentials (they stay out of files):
      // its only account without an accountSid and authToken takes the environment's.
      const unnamed = accounts.filter(
        (a) => typeof a === 'object' && a !== null && a.accountSid === undefined && a.authToken === undefined,
      );
      const existing = accounts.find((a) => a.accountSid === sid) ?? (unnamed.length === 1 ? unnamed[0] : undefined);
      const numbers = env.TWILIO_PHONE_NUMBERS?.split(',')
        .map((n) => n.trim())
        .filter(Boolean);
      const rate = env.TWILIO_SEND_RATE_PER_SECOND ? { sendRatePerSecond: env.TWILIO_SEND_RATE_PER_SECOND } : {};
      if (existing) {
        existing.accountSid = sid;
        existing.authToken = token;
        if (numbers) existing.phoneNumbers = numbers;
        Object.assign(existing, rate);
      } else
        accounts.unshift({
          name: 'default',
          accountSid: sid,
          authToken: token,
          ...(numbers ? { phoneNumbers: numbers } : {}),
          ...rate,
        });
    }
  }
  if (env.TWILIO_API_BASE_URL) for (const account of accounts) account.apiBaseUrl ??= env.TWILIO_API_BASE_URL;
}

/** Names a failing setting the way the user wrote it: the env variable if it came from one. */
function describeIssue(issue: z.core.$ZodIssue, fromEnv: Map<string, string>): string {
  const dotted = issue.path.join('.');
  const envName = fromEnv.get(dotted);
  if (envName) return `${envName}: ${issue.message}`;
  const accountField = /^twilio\.accounts\.(\d+)\.(\w+)$/.exec(dotted);
  if (accountField)
    return `twilio.accounts[${accountField[1]}].${accountField[2]} (or TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN): ${issue.message}`;
  return `${dotted || '(top level)'}: ${issue.message}`;
}

/** Builds the validated configuration from the environment and the optional JSON config file. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const raw: Json = env.BELUGA_CONFIG_FILE ? readFile(env.BELUGA_CONFIG_FILE) : {};
  const fromEnv = new Map<string, string>();
  for (const [name, keys] of ENV_SETTINGS) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, keys, value);
    fromEnv.set(keys.join('.'), name);
  }
  for (const section of [
    'temporal',
    'mongodb',
    'twilio',
    'anthropic',
    'assemblyai',
    'messaging',
    'escalation',
    'conversations',
    'events',
    'webhooks',
    'agent',
    'tts',
    'voice',
    'tools',
    'knowledge',
  ])
    raw[section] ??= {};
  mergeEnvAccount(raw, env, problems);
  mergeObjectStoreEnv(raw, env);
  if (env.REALTIME_INTERNAL_URLS) {
    const urls = env.REALTIME_INTERNAL_URLS.split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    raw.realtimeInternalUrls = urls;
    for (const i of urls.keys()) fromEnv.set(`realtimeInternalUrls.${i}`, 'REALTIME_INTERNAL_URLS');
  }
  if (env.BELUGA_SANDBOX)
    raw.sandbox = env.BELUGA_SANDBOX.split(',')
      .map((p) => p.trim())
      .filter(Boolean);
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => describeIssue(issue, fromEnv)));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const sids = parsed.data.twilio.accounts.map((a) => a.accountSid);
  const duplicate = sids.find((sid, i) => sids.indexOf(sid) !== i);
  if (duplicate) throw new ConfigError([`twilio.accounts: account ${duplicate} is listed twice`]);
  const names = (list: Array<{ name: string }>, where: string) => {
    const seen = list.map((b) => b.name);
    const twice = seen.find((n, i) => seen.indexOf(n) !== i);
    if (twice) problems.push(`${where}: name "${twice}" is used twice`);
  };
  names(parsed.data.events.bindings, 'events.bindings');
  names(parsed.data.webhooks.subscribers, 'webhooks.subscribers');
  problems.push(...agentConfigProblems(parsed.data));
  problems.push(...knowledgeProblems(parsed.data));
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}

/** What is not configured, for /health and startup logs (names only, never values). */
export function missingCredentials(config: Config): string[] {
  const missing: string[] = [];
  const sandbox = new Set(config.sandbox);
  if (config.twilio.accounts.length === 0 || sandbox.has('twilio'))
    missing.push(
      `TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN (${sandbox.has('twilio') ? 'emulated locally by the dev stack' : 'no Twilio account configured'})`,
    );
  // Only agents on Anthropic need its key: a deployment whose agents all run on an OpenAI-compatible endpoint does not.
  if ((!config.anthropic.apiKey && anyAgentOnAnthropic(config)) || sandbox.has('anthropic'))
    missing.push(
      `ANTHROPIC_API_KEY${sandbox.has('anthropic') ? ' (emulated locally by the dev stack: replies are echoes)' : ''}`,
    );
  if (!config.assemblyai.apiKey || sandbox.has('assemblyai'))
    missing.push(
      `ASSEMBLYAI_API_KEY${sandbox.has('assemblyai') ? ' (emulated locally by the dev stack: transcripts are scripted)' : ''}`,
    );
  if (!config.tts.apiKey || sandbox.has('tts'))
    missing.push(
      `TTS_API_KEY (or ELEVENLABS_API_KEY${sandbox.has('tts') ? '; emulated locally by the dev stack: synthetic audio' : ''})`,
    );
  return missing;
}
