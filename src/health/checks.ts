import { createHash } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { MongoClient } from 'mongodb';
import type { Config } from '../config/schema';
import { missingCredentials } from '../config/load';
import { defaultAgentModel } from '../agents/default-agent';
import { ELEVENLABS_BASE_URL } from '../speech/elevenlabs-tts';
import type { TwilioAccounts } from '../telephony/twilio/accounts';
import { recentTwilioRateLimits } from '../telephony/twilio/rate-limits';
import { describeError, probe, PROBE_TIMEOUT_MS, withTimeout, type ProbeCache } from './probe';
import type { HealthCheck } from './status';

const { TaskQueueType, TaskQueueKind } = temporal.api.enums.v1;

/**
 * A Temporal connection for probes only: without the client's retry interceptor, a probe reports
 * what is true now instead of retrying in the background long after `/health` answered.
 */
export function probeConnection(address: string): Connection {
  return Connection.lazy({ address, interceptors: [] });
}

type TemporalConnection = Pick<Connection, 'workflowService' | 'withAbortSignal'>;

/** Cancels the call when the probe gives up: the client would otherwise keep retrying it in the background. */
function bounded<T>(connection: TemporalConnection, call: () => Promise<T>): Promise<T> {
  return connection.withAbortSignal(AbortSignal.timeout(PROBE_TIMEOUT_MS + 250), call);
}

export function temporalCheck(connection: TemporalConnection): Promise<HealthCheck> {
  return probe(() => bounded(connection, () => connection.workflowService.getSystemInfo({})), 'reachable');
}

/**
 * `connect()` first: a client whose first (automatic) connection failed stays "Topology is closed"
 * for every later operation, while an explicit connect tries again (a no-op once connected).
 */
export function mongoCheck(mongo: MongoClient): Promise<HealthCheck> {
  return probe(async () => {
    await mongo.connect();
    await mongo.db('admin').command({ ping: 1 });
  }, 'reachable');
}

/** Missing provider credentials (names only, never values): the process runs, without those providers. */
export function configCheck(config: Config): HealthCheck {
  const missing = missingCredentials(config);
  return missing.length
    ? { status: 'degraded', detail: 'provider credentials missing', missing }
    : { status: 'ok', detail: 'all provider credentials set' };
}

export interface TaskQueueThresholds {
  /**
   * A poller whose last poll is older than this is gone. An idle worker's long poll is renewed
   * about once a minute, so less than that would call idle workers dead.
   */
  pollerStaleMs: number;
  /** Tasks waiting longer than this mean nobody takes them (no orchestrator, or one far behind). */
  backlogStaleMs: number;
}

export const DEFAULT_TASK_QUEUE_THRESHOLDS: TaskQueueThresholds = { pollerStaleMs: 120_000, backlogStaleMs: 30_000 };

type Timestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

function millis(value: Timestamp): number | undefined {
  if (!value) return undefined;
  const seconds = typeof value.seconds === 'object' && value.seconds ? value.seconds.toNumber() : (value.seconds ?? 0);
  return seconds * 1000 + Math.floor((value.nanos ?? 0) / 1e6);
}

/**
 * Whether an orchestrator polls the task queue: for workflow and for activity tasks, some poller
 * polled recently and no task has been waiting too long (Temporal's DescribeTaskQueue).
 */
export function taskQueueCheck(
  connection: TemporalConnection,
  where: { namespace: string; taskQueue: string },
  thresholds: TaskQueueThresholds = DEFAULT_TASK_QUEUE_THRESHOLDS,
  now: () => number = Date.now,
): Promise<HealthCheck> {
  const describe = async (kind: 'workflow' | 'activity'): Promise<string | undefined> => {
    const answer = await bounded(connection, () =>
      connection.workflowService.describeTaskQueue({
        namespace: where.namespace,
        taskQueue: { name: where.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType:
          kind === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        reportStats: true,
      }),
    );
    const lastPoll = Math.max(-Infinity, ...answer.pollers.map((p) => millis(p.lastAccessTime) ?? -Infinity));
    if (now() - lastPoll > thresholds.pollerStaleMs)
      return answer.pollers.length
        ? `no ${kind} poll for ${Math.round((now() - lastPoll) / 1000)} s`
        : `no ${kind} pollers`;
    const backlogAgeMs = millis(answer.stats?.approximateBacklogAge) ?? 0;
    if (backlogAgeMs > thresholds.backlogStaleMs)
      return `${kind} tasks waiting ${Math.round(backlogAgeMs / 1000)} s (${String(answer.stats?.approximateBacklogCount ?? '?')} queued): nobody takes them`;
    return undefined;
  };
  return withTimeout(async () => {
    const problems = (await Promise.all([describe('workflow'), describe('activity')])).filter((p) => p !== undefined);
    return problems.length
      ? { status: 'down', detail: `task queue ${where.taskQueue}: ${problems.join('; ')}` }
      : { status: 'ok', detail: `task queue ${where.taskQueue} is polled` };
  });
}

export interface TwilioAccountProbe {
  name: string;
  accountSid: string;
  /** Identifies the settings the result holds for (a rotated token is probed afresh); a hash, never shown. */
  cacheKey: string;
  /** Fetches the account resource with its credentials; resolves to its status (active, suspended…). */
  fetch(): Promise<string>;
}

/** Per account: `down` when Twilio rejects the credentials or the account is not active, `degraded` when Twilio does not answer properly. */
async function twilioAccountCheck(account: TwilioAccountProbe): Promise<HealthCheck> {
  const label = `account ${account.name} (${account.accountSid})`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const status = await Promise.race([
      account.fetch(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      }),
    ]);
    return status === 'active'
      ? { status: 'ok', detail: `${label}: credentials valid` }
      : { status: 'down', detail: `${label}: the account is ${status}` };
  } catch (error) {
    const httpStatus = (error as { status?: unknown }).status;
    if (httpStatus === 401 || httpStatus === 403)
      return { status: 'down', detail: `${label}: Twilio rejected the credentials (${httpStatus})` };
    if (httpStatus === 429) return { status: 'degraded', detail: `${label}: Twilio is rate limiting (429)` };
    return {
      status: 'degraded',
      detail: `${label}: Twilio unreachable (${typeof httpStatus === 'number' ? `HTTP ${httpStatus}` : describeError(error)})`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every account's credentials, checked against Twilio (cached). `down` only when no account works:
 * with one working account, the others' traffic fails but the process still does its job for the rest.
 */
export async function twilioCheck(accounts: TwilioAccountProbe[], cache: ProbeCache): Promise<HealthCheck> {
  if (accounts.length === 0) return { status: 'degraded', detail: 'no Twilio account configured' };
  const results = await Promise.all(accounts.map((a) => cache.get(a.cacheKey, () => twilioAccountCheck(a))));
  const failing = results.filter((r) => r.status !== 'ok');
  if (failing.length === 0) return { status: 'ok', detail: `${accounts.length} account(s): credentials valid` };
  const status = results.every((r) => r.status === 'down') ? 'down' : 'degraded';
  return { status, detail: failing.map((r) => r.detail).join('; ') };
}

/** Degraded while Twilio answered any 429 to this process in the last `windowMs`. */
export function twilioRateLimitCheck(
  accounts: ReadonlyArray<{ name: string; accountSid: string }>,
  windowMs: number,
  now = Date.now(),
): HealthCheck {
  const recent = recentTwilioRateLimits(windowMs, now);
  const minutes = Math.round(windowMs / 60_000);
  if (recent.size === 0) return { status: 'ok', detail: `no 429 from Twilio in the last ${minutes} min` };
  const named = [...recent].map(([sid, { count, lastAt }]) => {
    const name = accounts.find((a) => a.accountSid === sid)?.name ?? 'unconfigured';
    return `account ${name} (${sid}): ${count} × 429, last ${Math.round((now - lastAt) / 1000)} s ago`;
  });
  return { status: 'degraded', detail: `Twilio rate limiting in the last ${minutes} min: ${named.join('; ')}` };
}

/**
 * Whether a provider's host answers HTTP at all (any status: a 401 or 404 still proves it is
 * reachable). A HEAD to its base URL: no tokens spent, no key sent.
 */
export function reachableCheck(baseUrl: string | undefined, cache: ProbeCache): Promise<HealthCheck> {
  if (!baseUrl) return Promise.resolve({ status: 'degraded', detail: 'not configured' });
  const url = new URL(baseUrl.replace(/^ws/, 'http'));
  const where = url.origin;
  return cache.get(where, () =>
    withTimeout(async () => {
      const response = await fetch(where, {
        method: 'HEAD',
        redirect: 'manual',
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      await response.body?.cancel();
      return { status: 'ok', detail: `${where} reachable (HTTP ${response.status})` };
    }).then((check) => (check.status === 'ok' ? check : { ...check, detail: `${where} unreachable: ${check.detail}` })),
  );
}

/** The probes of the configured accounts, each a cheap GET of the account resource through our Twilio client. */
export function twilioAccountProbes(twilio: TwilioAccounts): TwilioAccountProbe[] {
  return twilio.list().map((account) => ({
    name: account.name,
    accountSid: account.accountSid,
    cacheKey: createHash('sha256')
      .update(`${account.accountSid}\u0000${account.authToken}\u0000${account.apiBaseUrl ?? ''}`)
      .digest('hex'),
    fetch: async () => (await twilio.client(account.accountSid).api.v2010.accounts(account.accountSid).fetch()).status,
  }));
}

const ASSEMBLYAI_STREAMING_URL = 'wss://streaming.assemblyai.com';
const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

/** Where each voice/LLM provider lives, for reachability; undefined where it has no credentials. */
export function providerUrls(config: Config): { stt?: string; tts?: string; llm?: string } {
  const model = defaultAgentModel(config);
  const llm =
    model.provider === 'anthropic'
      ? config.anthropic.apiKey && (config.anthropic.baseUrl ?? ANTHROPIC_BASE_URL)
      : model.baseUrl;
  return {
    ...(config.assemblyai.apiKey ? { stt: config.assemblyai.streamingUrl ?? ASSEMBLYAI_STREAMING_URL } : {}),
    ...(config.tts.apiKey ? { tts: config.tts.baseUrl ?? ELEVENLABS_BASE_URL } : {}),
    ...(llm ? { llm } : {}),
  };
}
