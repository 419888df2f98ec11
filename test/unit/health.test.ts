import { GATEWAY_WHEN_DOWN } from '../../src/gateway/health';
import { taskQueueCheck, twilioCheck, twilioRateLimitCheck, type TwilioAccountProbe } from '../../src/health/checks';
import { describeError, ProbeCache, withTimeout } from '../../src/health/probe';
import { httpStatusOf, overallStatus, type HealthCheck } from '../../src/health/status';
import { ORCHESTRATOR_WHEN_DOWN } from '../../src/orchestrator/health';
import { capacityCheck, REALTIME_WHEN_DOWN } from '../../src/realtime/health';
import { recordTwilioRateLimit } from '../../src/telephony/twilio/rate-limits';

const ok: HealthCheck = { status: 'ok', detail: 'fine' };
const down: HealthCheck = { status: 'down', detail: 'gone' };
const degraded: HealthCheck = { status: 'degraded', detail: 'limping' };

describe('health status rules', () => {
  it('all ok is healthy (200); any degraded check is degraded (200)', () => {
    expect(overallStatus({ a: ok, b: ok }, {})).toBe('healthy');
    expect(overallStatus({ a: ok, b: degraded }, { b: 'unhealthy' })).toBe('degraded');
    expect(httpStatusOf({ status: 'degraded', checks: {} })).toBe(200);
  });

  it('a down check is as bad as the process says it is; unknown checks count as unhealthy', () => {
    expect(overallStatus({ a: down }, { a: 'degraded' })).toBe('degraded');
    expect(overallStatus({ a: down, b: degraded }, { a: 'unhealthy' })).toBe('unhealthy');
    expect(overallStatus({ mystery: down }, {})).toBe('unhealthy');
    expect(httpStatusOf({ status: 'unhealthy', checks: {} })).toBe(503);
  });

  it.each([
    // [process, check that is down, overall]
    ['gateway', GATEWAY_WHEN_DOWN, 'temporal', 'degraded'],
    ['gateway', GATEWAY_WHEN_DOWN, 'mongodb', 'unhealthy'],
    ['gateway', GATEWAY_WHEN_DOWN, 'taskQueue', 'degraded'],
    ['gateway', GATEWAY_WHEN_DOWN, 'twilio', 'unhealthy'],
    ['orchestrator', ORCHESTRATOR_WHEN_DOWN, 'worker', 'unhealthy'],
    ['orchestrator', ORCHESTRATOR_WHEN_DOWN, 'temporal', 'unhealthy'],
    ['orchestrator', ORCHESTRATOR_WHEN_DOWN, 'mongodb', 'unhealthy'],
    ['orchestrator', ORCHESTRATOR_WHEN_DOWN, 'taskQueue', 'degraded'],
    ['orchestrator', ORCHESTRATOR_WHEN_DOWN, 'llm', 'degraded'],
    ['realtime', REALTIME_WHEN_DOWN, 'stt', 'unhealthy'],
    ['realtime', REALTIME_WHEN_DOWN, 'tts', 'unhealthy'],
    ['realtime', REALTIME_WHEN_DOWN, 'llm', 'unhealthy'],
    ['realtime', REALTIME_WHEN_DOWN, 'capacity', 'unhealthy'],
    ['realtime', REALTIME_WHEN_DOWN, 'temporal', 'degraded'],
    ['realtime', REALTIME_WHEN_DOWN, 'mongodb', 'degraded'],
  ] as const)('%s: %s down → %s', (_process, rules, check, expected) => {
    expect(overallStatus({ other: ok, [check]: down }, rules)).toBe(expected);
  });
});

describe('realtime capacity', () => {
  it('ok below the cap, degraded when full, down while draining', () => {
    expect(capacityCheck({ activeCalls: 3 })).toEqual({ status: 'ok', detail: '3 call(s), no cap' });
    expect(capacityCheck({ activeCalls: 3, maxCalls: 10 })).toEqual({ status: 'ok', detail: '3 of 10 calls' });
    expect(capacityCheck({ activeCalls: 10, maxCalls: 10 })).toEqual({
      status: 'degraded',
      detail: 'full: 10 of 10 calls',
    });
    expect(capacityCheck({ activeCalls: 2, maxCalls: 10, draining: true })).toEqual({
      status: 'down',
      detail: 'draining: taking no new calls (2 of 10 calls)',
    });
  });
});

function account(name: string, fetch: () => Promise<string>): TwilioAccountProbe {
  const accountSid = `AC${name.padEnd(32, '0').slice(0, 32)}`;
  return { name, accountSid, cacheKey: `${name}-key`, fetch };
}
const rejected = (status: number) => () => Promise.reject(Object.assign(new Error('Authenticate'), { status }));

describe('Twilio credentials check', () => {
  it('ok when every account answers active', async () => {
    const check = await twilioCheck([account('a', async () => 'active')], new ProbeCache(0));
    expect(check).toEqual({ status: 'ok', detail: '1 account(s): credentials valid' });
  });

  it('degraded naming the account whose token is rejected while another works; down when none works', async () => {
    const good = account('good', async () => 'active');
    const bad = account('bad', rejected(401));
    const some = await twilioCheck([good, bad], new ProbeCache(0));
    expect(some.status).toBe('degraded');
    expect(some.detail).toBe(`account bad (${bad.accountSid}): Twilio rejected the credentials (401)`);
    const none = await twilioCheck([bad, account('worse', rejected(403))], new ProbeCache(0));
    expect(none.status).toBe('down');
    expect(none.detail).toContain('worse');
  });

  it('a suspended account is down; 429, 5xx and network errors are degraded (Twilio, not us)', async () => {
    const cases: Array<[() => Promise<string>, HealthCheck['status'], RegExp]> = [
      [async () => 'suspended', 'down', /the account is suspended/],
      [rejected(429), 'degraded', /rate limiting \(429\)/],
      [rejected(503), 'degraded', /unreachable \(HTTP 503\)/],
      [
        () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')),
        'degraded',
        /unreachable \(connect ECONNREFUSED/,
      ],
    ];
    for (const [fetch, status, detail] of cases) {
      const check = await twilioCheck([account('x', fetch)], new ProbeCache(0));
      expect([check.status, check.detail]).toEqual([status, expect.stringMatching(detail)]);
    }
  });

  it('gives up on a silent Twilio within the probe timeout (degraded)', async () => {
    const started = Date.now();
    const check = await twilioCheck([account('slow', () => new Promise(() => undefined))], new ProbeCache(0));
    expect(check.status).toBe('degraded');
    expect(check.detail).toMatch(/Twilio unreachable \(no answer within/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('asks Twilio once per cache period, and afresh when the settings change', async () => {
    let now = 0;
    const cache = new ProbeCache(60_000, () => now);
    let fetches = 0;
    const probe = account('a', async () => {
      fetches++;
      return 'active';
    });
    await twilioCheck([probe], cache);
    await twilioCheck([probe], cache);
    expect(fetches).toBe(1);
    await twilioCheck([{ ...probe, cacheKey: 'rotated' }], cache);
    expect(fetches).toBe(2);
    now = 60_000;
    await twilioCheck([probe], cache);
    expect(fetches).toBe(3);
  });
});

describe('Twilio rate limiting seen', () => {
  it('degraded for the window after a 429, naming the account; ok again after', () => {
    const sid = 'AC' + 'd4'.repeat(16);
    const at = 1_000_000_000_000;
    recordTwilioRateLimit(sid, at);
    recordTwilioRateLimit(sid, at + 1_000);
    const during = twilioRateLimitCheck([{ name: 'shop', accountSid: sid }], 300_000, at + 61_000);
    expect(during).toEqual({
      status: 'degraded',
      detail: `Twilio rate limiting in the last 5 min: account shop (${sid}): 2 × 429, last 60 s ago`,
    });
    expect(twilioRateLimitCheck([], 300_000, at + 301_001).status).toBe('ok');
  });
});

describe('task queue pollers', () => {
  const NOW = 1_000_000_000_000;
  const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: 0 });
  function service(answers: {
    workflow: { polledAt?: number[]; backlogAgeMs?: number };
    activity: { polledAt?: number[]; backlogAgeMs?: number };
  }) {
    return {
      withAbortSignal: <T>(_signal: AbortSignal, fn: () => Promise<T>) => fn(),
      workflowService: {
        describeTaskQueue: async (request: { taskQueueType?: number | null }) => {
          const which = request.taskQueueType === 1 ? answers.workflow : answers.activity;
          return {
            pollers: (which.polledAt ?? []).map((at) => ({ lastAccessTime: ts(at), identity: 'w' })),
            stats: { approximateBacklogAge: ts(which.backlogAgeMs ?? 0), approximateBacklogCount: 3 },
          };
        },
      },
    } as unknown as Parameters<typeof taskQueueCheck>[0];
  }
  const check = (answers: Parameters<typeof service>[0]) =>
    taskQueueCheck(
      service(answers),
      { namespace: 'default', taskQueue: 'tq' },
      { pollerStaleMs: 120_000, backlogStaleMs: 30_000 },
      () => NOW,
    );

  it('ok with recent workflow and activity pollers and no old tasks', async () => {
    expect(await check({ workflow: { polledAt: [NOW - 61_000] }, activity: { polledAt: [NOW - 1_000] } })).toEqual({
      status: 'ok',
      detail: 'task queue tq is polled',
    });
  });

  it('down with no pollers, only stale ones, or tasks waiting too long', async () => {
    expect((await check({ workflow: {}, activity: { polledAt: [NOW] } })).detail).toBe(
      'task queue tq: no workflow pollers',
    );
    expect((await check({ workflow: { polledAt: [NOW] }, activity: { polledAt: [NOW - 300_000] } })).detail).toBe(
      'task queue tq: no activity poll for 300 s',
    );
    const backlog = await check({ workflow: { polledAt: [NOW], backlogAgeMs: 45_000 }, activity: { polledAt: [NOW] } });
    expect(backlog).toEqual({
      status: 'down',
      detail: 'task queue tq: workflow tasks waiting 45 s (3 queued): nobody takes them',
    });
  });
});

describe('probes', () => {
  it('a throwing check is down with its reason; credentials in URLs never show', async () => {
    const check = await withTimeout(() =>
      Promise.reject(new Error('fetch https://AC1:secret@api.twilio.com/x?token=t failed')),
    );
    expect(check).toEqual({ status: 'down', detail: 'fetch https://api.twilio.com/x failed' });
    expect(describeError('plain')).toBe('plain');
  });

  it('concurrent callers share one probe', async () => {
    const cache = new ProbeCache(1_000);
    let runs = 0;
    const run = async (): Promise<HealthCheck> => {
      runs++;
      return ok;
    };
    await Promise.all([cache.get('k', run), cache.get('k', run), cache.get('k', run)]);
    expect(runs).toBe(1);
  });
});
