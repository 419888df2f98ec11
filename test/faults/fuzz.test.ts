import WebSocket from 'ws';
import { FAULT_ACCOUNT_SID } from './harness/emulators';
import { FAULT_AGENT_NUMBER, startFaultStack, type FaultStack } from './harness/fault-stack';
import { Fuzz } from './fuzz/values';
import { streamParameters } from '../harness/voice';

/**
 * Seeded, time-bounded fuzzing of every Twilio webhook route (signed, so each passes the signature
 * check), the operator API's routes and the media-stream socket, against the real processes.
 * Nothing may answer 5xx, crash a process, or close a socket abnormally (1006).
 * Replay a failure with FUZZ_SEED=<the printed seed>; FUZZ_BUDGET_MS bounds the run (default 60 s).
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 60_000);
const OPERATOR_KEY = 'fuzz-operator-key-0123456789';
/**
 * Closes we accept: normal, policy (unauthorized, no start) and internal error, each with a reason;
 * and 1009, which the ws library sends (without a reason: the code says it) for a frame over the cap.
 */
const ACCEPTED_CLOSES = new Set([1000, 1008, 1009, 1011]);

type Params = Record<string, string | string[]>;

const CALLER = '+16285550199';

/** Plausible forms per webhook route, before the fuzzer bends them. */
function baseForms(fuzz: Fuzz): Array<[string, () => Params]> {
  const common = { AccountSid: FAULT_ACCOUNT_SID, ApiVersion: '2010-04-01' };
  return [
    [
      '/twilio/messaging/inbound',
      () => {
        const sid = fuzz.sid('SM');
        return {
          ...common,
          MessageSid: sid,
          SmsSid: sid,
          From: CALLER,
          To: FAULT_AGENT_NUMBER,
          Body: 'hi',
          NumMedia: '0',
        };
      },
    ],
    [
      '/twilio/messaging/status',
      () => ({
        ...common,
        MessageSid: fuzz.sid('SM'),
        MessageStatus: 'delivered',
        To: CALLER,
        From: FAULT_AGENT_NUMBER,
      }),
    ],
    [
      '/twilio/conversations/events',
      () => ({
        ...common,
        EventType: fuzz.pick(['onMessageAdd', 'onMessageAdded', 'onConversationAdded', 'onParticipantAdded']),
        ConversationSid: fuzz.sid('CH'),
        MessageSid: fuzz.sid('IM'),
        Author: CALLER,
        Body: 'hello',
        Source: 'SMS',
        ChatServiceSid: fuzz.sid('IS'),
      }),
    ],
    [
      '/twilio/voice/incoming',
      () => ({
        ...common,
        CallSid: fuzz.sid('CA'),
        From: CALLER,
        To: FAULT_AGENT_NUMBER,
        Direction: 'inbound',
        CallStatus: 'ringing',
      }),
    ],
    [
      '/twilio/voice/status',
      () => ({ ...common, CallSid: fuzz.sid('CA'), CallStatus: 'completed', CallDuration: '12', SequenceNumber: '3' }),
    ],
    [
      '/twilio/voice/recording',
      () => ({
        ...common,
        CallSid: fuzz.sid('CA'),
        RecordingSid: fuzz.sid('RE'),
        RecordingStatus: 'completed',
        RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/x/Recordings/y',
        RecordingDuration: '7',
      }),
    ],
  ];
}

/** Drops, bends, duplicates and adds fields; the account stays right most of the time so the request is signed. */
function bend(fuzz: Fuzz, form: Params): Params {
  const out: Params = { ...form };
  const keys = Object.keys(out);
  for (let i = fuzz.int(4); i > 0; i--) delete out[fuzz.pick(keys)];
  for (let i = 1 + fuzz.int(4); i > 0; i--) out[fuzz.pick(keys)] = fuzz.oddString();
  if (fuzz.chance(0.3)) out[fuzz.pick(keys)] = [fuzz.oddString(), fuzz.oddString()]; // duplicate keys
  if (fuzz.chance(0.3)) out[fuzz.chance(0.5) ? fuzz.oddString() || 'k' : `Extra${fuzz.int(99)}`] = fuzz.oddString();
  if (fuzz.chance(0.85)) out.AccountSid = FAULT_ACCOUNT_SID;
  return out;
}

const API_ROUTES: Array<[string, string]> = [
  ['GET', '/agents'],
  ['GET', '/agents/:id'],
  ['GET', '/agents/:id/versions'],
  ['GET', '/agents/:id/versions/:n'],
  ['PUT', '/agents/:id'],
  ['POST', '/agents/:id/test'],
  ['GET', '/lines/:address'],
  ['PUT', '/lines/:address'],
  ['DELETE', '/lines/:address'],
  ['POST', '/calls'],
  ['GET', '/calls/:id'],
  ['GET', '/transcripts/search'],
  ['GET', '/consent/:address'],
  ['POST', '/conversations'],
  ['POST', '/conversations/:id/participants'],
  ['DELETE', '/conversations/:id/participants/:p'],
  ['POST', '/conversations/:id/close'],
  ['GET', '/conversations/:id'],
  ['GET', '/customers/:id/export'],
  ['DELETE', '/customers/:id'],
  ['GET', '/customers/by-address/:address'],
  ['GET', '/customers/:id'],
  ['GET', '/customers/:id/messages'],
  ['POST', '/customers/:id/addresses'],
  ['GET', '/customers/:id/search'],
  ['GET', '/search'],
  ['POST', '/knowledge-bases'],
  ['GET', '/knowledge-bases'],
  ['GET', '/knowledge-bases/:id'],
  ['DELETE', '/knowledge-bases/:id'],
  ['POST', '/knowledge-bases/:id/documents'],
  ['GET', '/knowledge-bases/:id/documents'],
  ['GET', '/knowledge-bases/:id/documents/:doc'],
  ['PUT', '/knowledge-bases/:id/documents/:doc'],
  ['DELETE', '/knowledge-bases/:id/documents/:doc'],
  ['POST', '/knowledge-bases/:id/documents/:doc/refresh'],
];

interface Failure {
  what: string;
  outcome: string;
}

/** Runs `work` for each index from `cases` with `concurrency` in flight, until the deadline. */
async function pool(count: number, concurrency: number, deadline: number, work: (i: number) => Promise<void>) {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && Date.now() < deadline) {
        const i = next++;
        await work(i);
        done++;
      }
    }),
  );
  return done;
}

describe(`fuzz (seed ${SEED})`, () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ realtimeWorkers: 1, env: { OPERATOR_API_KEY: OPERATOR_KEY } });
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it(
    'webhooks, operator API and media-stream socket: no 5xx, no crash, no abnormal close',
    async () => {
      const fuzz = new Fuzz(SEED);
      const failures: Failure[] = [];
      const started = Date.now();
      // Budget shares: webhooks 40 %, the operator API 35 %, sockets (each up to 1.5 s) the rest.
      const webhooksUntil = started + BUDGET_MS * 0.4;
      const apiUntil = started + BUDGET_MS * 0.75;
      const forms = baseForms(fuzz);

      // 1. Twilio webhooks, signed over the bent form.
      const webhooks = await pool(5_000, 16, webhooksUntil, async () => {
        const [path, base] = fuzz.pick(forms);
        const params = fuzz.chance(0.05) ? {} : bend(fuzz, base());
        try {
          const response = await stack.webhook(path, params);
          if (response.status >= 500)
            failures.push({
              what: `POST ${path} ${JSON.stringify(params).slice(0, 300)}`,
              outcome: `${response.status} ${response.body.slice(0, 200)}`,
            });
        } catch (error) {
          failures.push({ what: `POST ${path} ${JSON.stringify(params).slice(0, 300)}`, outcome: String(error) });
        }
      });

      // 2. The operator API: odd path parameters, random and malformed JSON bodies.
      const apiCases = await pool(5_000, 16, apiUntil, async () => {
        const [method, template] = fuzz.pick(API_ROUTES);
        const path = template.replace(/:[a-z]+/g, () => uriComponent(fuzz.oddString().slice(0, 2_000)) || 'x');
        const query = fuzz.chance(0.3)
          ? `?q=${uriComponent(fuzz.oddString().slice(0, 500))}&limit=${uriComponent(fuzz.oddString().slice(0, 20))}`
          : '';
        const hasBody = method !== 'GET' && method !== 'DELETE';
        const body = !hasBody
          ? undefined
          : fuzz.chance(0.15)
            ? fuzz.pick(['{', '{"a":', '[1,,2]', '\u0000', 'null', '"x"', '1e999'])
            : JSON.stringify(fuzz.json());
        const what = `${method} /api${path.slice(0, 200)}${query.slice(0, 100)} ${body?.slice(0, 300) ?? ''}`;
        try {
          const response = await fetch(`${stack.gatewayUrl}/api${path}${query}`, {
            method,
            headers: {
              'x-api-key': OPERATOR_KEY,
              ...(body !== undefined ? { 'content-type': fuzz.chance(0.9) ? 'application/json' : 'text/plain' } : {}),
              ...(fuzz.chance(0.2)
                ? {
                    'idempotency-key': fuzz
                      .oddString()
                      .slice(0, 300)
                      .replace(/[^\x20-\x7e]/g, ''),
                  }
                : {}),
            },
            ...(body !== undefined ? { body } : {}),
            signal: AbortSignal.timeout(15_000),
          });
          const text = await response.text();
          if (response.status >= 500) failures.push({ what, outcome: `${response.status} ${text.slice(0, 200)}` });
        } catch (error) {
          failures.push({ what, outcome: String(error) });
        }
      });

      // 3. The media-stream socket (through the gateway, as Twilio reaches it).
      const sockets = await pool(2_000, 16, started + BUDGET_MS, async () => {
        const frames: Array<string | Buffer> = [];
        const authenticated = fuzz.chance(0.25);
        if (authenticated) {
          const callSid = fuzz.sid('CA');
          const answer = await stack.webhook('/twilio/voice/incoming', {
            AccountSid: FAULT_ACCOUNT_SID,
            ApiVersion: '2010-04-01',
            CallSid: callSid,
            From: CALLER,
            To: FAULT_AGENT_NUMBER,
            Direction: 'inbound',
            CallStatus: 'ringing',
          });
          if (answer.status !== 200)
            return void failures.push({ what: `voice webhook for a socket case`, outcome: String(answer.status) });
          const streamSid = fuzz.sid('MZ');
          frames.push(
            JSON.stringify({
              event: 'start',
              streamSid,
              start: {
                accountSid: FAULT_ACCOUNT_SID,
                callSid,
                streamSid,
                customParameters: streamParameters(answer.body).parameters,
              },
            }),
          );
        }
        for (let i = 1 + fuzz.int(6); i > 0; i--) frames.push(wsFrame(fuzz));
        if (authenticated && fuzz.chance(0.5)) frames.push(JSON.stringify({ event: 'stop', streamSid: 'x' }));
        const what = `socket ${frames.map((f) => (typeof f === 'string' ? f.slice(0, 120) : `<binary ${f.length}>`)).join(' | ')}`;
        const outcome = await playSocket(stack.mediaStreamUrl, frames);
        if (outcome !== 'ok') failures.push({ what, outcome });
      });

      // The processes are still up and /health still answers.
      expect([stack.gateway.running, stack.orchestrator.running, stack.realtime[0]!.running]).toEqual([
        true,
        true,
        true,
      ]);
      for (const url of [stack.gatewayUrl, stack.realtimeUrls[0]!]) {
        const response = await fetch(`${url}/health`);
        expect([200, 503]).toContain(response.status);
        expect(((await response.json()) as { status: string }).status).toMatch(/healthy|degraded|unhealthy/);
      }
      const total = webhooks + apiCases + sockets;
      process.stdout.write(
        `fuzz seed ${SEED}: ${webhooks} webhook, ${apiCases} API and ${sockets} socket cases in ${Date.now() - started} ms, ${failures.length} failures\n`,
      );
      if (failures.length)
        throw new Error(
          `fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED}): ${failures.length} failures, e.g.\n${failures
            .slice(0, 8)
            .map((f) => `${f.what}\n  → ${f.outcome}`)
            .join('\n')}`,
        );
      expect(total).toBeGreaterThan(1_000);
    },
    BUDGET_MS + 120_000,
  );
});

/** encodeURIComponent, with lone surrogates (which it refuses) made replacement characters. */
function uriComponent(text: string): string {
  return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'));
}

/** One hostile media-stream frame. */
function wsFrame(fuzz: Fuzz): string | Buffer {
  switch (fuzz.int(10)) {
    case 0:
      return fuzz.oddString().slice(0, 5_000);
    case 1:
      return Buffer.from(fuzz.hex(2 * (1 + fuzz.int(400))), 'hex'); // binary
    case 2:
      return fuzz.chance(0.2)
        ? 'x'.repeat(1_100_000)
        : JSON.stringify({ event: 'media', media: { payload: 'A'.repeat(200_000) } }); // huge
    case 3:
      return JSON.stringify({
        event: 'media',
        streamSid: 'MZ1',
        media: { payload: fuzz.pick(['@@@', '====', 'AAA', '', '\u0000', fuzz.oddString().slice(0, 300)]) },
      }); // bad base64
    case 4:
      return JSON.stringify({
        event: fuzz.pick(['mark', 'dtmf', 'clear', 'connected', 'start', 'stop', 'unknown', '']),
        ...(fuzz.json() as object),
      });
    case 5:
      return JSON.stringify({ event: 'mark', mark: fuzz.chance(0.5) ? { name: fuzz.json() } : fuzz.json() });
    case 6:
      return JSON.stringify({ event: 'dtmf', dtmf: { digit: fuzz.json() } });
    case 7:
      return JSON.stringify({ event: 'start', start: fuzz.json(), streamSid: fuzz.json() });
    case 8:
      return JSON.stringify(fuzz.json());
    default:
      return JSON.stringify({
        event: 'media',
        streamSid: 'MZ1',
        media: { payload: Buffer.alloc(160, 0xff).toString('base64'), track: 'inbound' },
      });
  }
}

/** Sends the frames, then waits for the server's close (or closes normally itself): 'ok' or what went wrong. */
function playSocket(url: string, frames: Array<string | Buffer>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let settled = false;
    const finish = (outcome: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    // Past the server's 1 s wait for `start`: a socket still open by then is ours to close.
    const timer = setTimeout(() => ws.close(1000, 'fuzz case done'), 1_500);
    ws.on('open', () => {
      for (const frame of frames) if (ws.readyState === ws.OPEN) ws.send(frame);
    });
    ws.on('unexpected-response', (_req, res) =>
      finish(res.statusCode && res.statusCode < 500 ? 'ok' : `upgrade answered ${res.statusCode}`),
    );
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      if (code === 1006) return finish('abnormal close 1006 (socket destroyed without a close frame)');
      if (!ACCEPTED_CLOSES.has(code)) return finish(`close ${code} ${reason.toString()}`);
      if (code !== 1000 && code !== 1009 && reason.length === 0) return finish(`close ${code} without a reason`);
      finish('ok');
    });
  });
}
