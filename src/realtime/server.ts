import type { Knowledge } from '../knowledge/knowledge';
import http from 'node:http';
import { agentToolReferences } from '../agents/definition';
import { externalToolOffer } from '../agents/external-tool-offer';
import type { McpCatalogue } from '../agents/mcp-tools';
import type { Client } from '@temporalio/client';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Stores } from '../storage/stores';
import { verifyStreamToken, type StreamClaims } from '../voice/stream-token';
import { loadCallContext, type CallContext } from './call-context';
import type { CallerTrust } from '../customers/caller-trust';
import { CallReporter } from './call-reporter';
import { parseStreamMessage, type StartMessage } from './protocol';
import type { VoiceProviders } from './providers';
import { PendingSockets, upgradeSignature } from './upgrade-guard';
import { UsedStreams } from './used-streams';
import { VoiceSession } from './voice-session';
import { resumeOf } from './call-resume';
import { callParties } from '../voice/call-types';
import { StoredAgentDirectory } from '../agents/stored-agent-directory';
import { defaultAgentFrom } from '../agents/default-agent';
import { agentSystemPrompt, resolveAgent, type ResolvedAgent } from '../agents/resolved-agent';
import type { TwilioStreamMessage } from './protocol';
import { realtimeHealth, type RealtimeLoad } from './health';
import { writeHealth } from '../health/http-server';
import type { HealthReport } from '../health/status';
import { conversationScope, retrievePassages, scopeIsEmpty, type KnowledgeSearch } from '../knowledge/retrieval';
import { retrievalTopK, voiceRetrievalTiming } from '../knowledge/retrieval-settings';
import type { VoiceKnowledge } from './voice-session';
import { LiveFeed, tappedEvents } from './live-feed';
import { LIVE_FEED_PATH, serveLiveFeed } from './live-endpoint';

const MEDIA_STREAM_PATH = '/twilio/media-stream';
/** Twilio sends `start` right after connecting; a socket that does not is not Twilio. */
const START_TIMEOUT_MS = 1_000;
/** Upgraded sockets not yet authenticated by a valid `start`; beyond this new upgrades get 503. */
const MAX_UNAUTHENTICATED = 64;
/** Media, marks and keypad input that arrive while the call's agent is looked up (about 10 s of audio at most). */
const MAX_EARLY_MESSAGES = 500;
/** The unsigned `<Parameter>`s that, when present, must say what the token says. */
const SIGNED_PARAMETERS = ['customerId', 'from', 'to', 'direction'] as const;

export interface RealtimeDeps {
  config: ConfigStore;
  temporal: Client;
  stores: Pick<Stores, 'messages' | 'memory' | 'agents'>;
  providers: VoiceProviders;
  /** The MCP servers' tool lists, for agents that name them (absent: agents are offered no MCP tools). */
  mcp?: Pick<McpCatalogue, 'entriesFor'>;
  metrics: Metrics;
  log: Logger;
  /** The process's knowledge store (voice retrieval reads it). Absent only in tests that need none. */
  knowledge?: Knowledge;
  /** The worker's `/health` given its load (default: providers and capacity, no Temporal/MongoDB probe). */
  health?: (load: RealtimeLoad) => Promise<HealthReport>;
}

export interface RealtimeServer {
  server: http.Server;
  activeCalls(): number;
  /** The worker's live calls for the operator console (`GET /internal/live`). */
  live: LiveFeed;
  /**
   * SIGTERM: takes no new streams (`/ready` answers 503, upgrades get 503, so the gateway routes
   * elsewhere), lets each call's turn in progress finish, then closes its stream so that Twilio
   * asks the `<Connect>` action URL and the gateway hands the call to another worker.
   */
  drain(): Promise<void>;
  /** Ends every live session (as a dropped stream) and stops accepting connections. */
  close(): Promise<void>;
}

/** The close code of a stream handed over by a draining worker (RFC 6455: service restart). */
const HANDOVER_CLOSE_CODE = 1012;

/**
 * The realtime worker's HTTP + WebSocket server: `/twilio/media-stream` (one VoiceSession per
 * Twilio Media Stream), `/health` and `/metrics`.
 */
export function createRealtimeServer(deps: RealtimeDeps): RealtimeServer {
  const { stores } = deps;
  const sessions = new Set<VoiceSession>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const pending = new PendingSockets(MAX_UNAUTHENTICATED);
  const used = new UsedStreams();
  const agents = new StoredAgentDirectory(stores.agents, deps.config);
  const health = deps.health ?? realtimeHealth({ config: deps.config });
  const live = new LiveFeed();
  /** Streams accepted and not yet closed (authenticated or not): what the concurrent-call cap counts. */
  let open = 0;
  let draining = false;
  /** The live calls' sockets, for a drain to close once their turn in progress is over. */
  const sockets = new Map<VoiceSession, WebSocket>();
  const handingOver = new Set<WebSocket>();
  /** Why a new stream would be refused now, if it would. */
  const refusal = (): 'draining' | 'full' | undefined =>
    draining ? 'draining' : open >= deps.config.get().voice.maxConcurrentCalls ? 'full' : undefined;

  const server = http.createServer((req, res) => {
    if (req.url === '/ready') {
      // Readiness for new calls (the gateway's routing, a load balancer's): 503 when draining or full.
      const why = refusal();
      const maxCalls = deps.config.get().voice.maxConcurrentCalls;
      res
        .writeHead(why ? 503 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ accepting: !why, ...(why ? { reason: why } : {}), activeCalls: open, maxCalls }));
      return;
    }
    if (req.url === '/health') {
      // The cap counts open streams (as the refusal does); draining makes the worker unhealthy for new calls.
      writeHealth(res, () =>
        health({ activeCalls: open, maxCalls: deps.config.get().voice.maxConcurrentCalls, draining }),
      );
      return;
    }
    if (req.url?.split('?')[0] === LIVE_FEED_PATH) {
      serveLiveFeed(req, res, { feed: live, config: deps.config, log: deps.log });
      return;
    }
    if (req.url === '/metrics') {
      deps.metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404).end();
  });

  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== MEDIA_STREAM_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (upgradeSignature(deps.config.get(), req) === 'invalid') {
      deps.log.warn('refused a media stream upgrade: invalid X-Twilio-Signature');
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    const why = refusal();
    if (why) {
      deps.log.warn({ reason: why }, 'refused a media stream upgrade: not taking new calls');
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nX-Beluga-Refused: ${why}\r\nConnection: close\r\n\r\n`);
      return;
    }
    const release = pending.admit();
    if (!release) {
      deps.log.warn('refused a media stream upgrade: too many unauthenticated connections');
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    // Released once `start` authenticates the stream, or when the socket goes (a failed handshake included).
    socket.once('close', release);
    open++;
    socket.once('close', () => open--);
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, release));
  });

  function accept(ws: WebSocket, authenticated: () => void): void {
    let session: VoiceSession | undefined;
    /** The session being set up (its agent looked up): what arrives meanwhile waits in `early`. */
    let starting: Promise<VoiceSession | undefined> | undefined;
    const early: TwilioStreamMessage[] = [];
    let stopped = false;
    /** Twilio's stop arrived or the socket closed. */
    let ended = false;
    let startSeen = false;
    const deliver = (message: TwilioStreamMessage): void => {
      if (!session) {
        if (starting && early.length < MAX_EARLY_MESSAGES) early.push(message);
        return;
      }
      if (message.event === 'media') session.onAudio(Buffer.from(message.media.payload, 'base64'));
      else if (message.event === 'mark') session.onMark(message.mark.name);
      else if (message.event === 'dtmf') session.onDtmf(message.dtmf.digit);
    };
    const startTimer = setTimeout(() => ws.close(1008, 'no valid start message'), START_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = parseStreamMessage(
        Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'),
      );
      if ('invalid' in message) {
        deps.log.warn({ reason: message.invalid }, 'ignored a media stream message');
        return;
      }
      switch (message.event) {
        case 'start':
          clearTimeout(startTimer);
          // One try per socket: a refused start closes it, and nothing more it sends is read.
          if (startSeen) return;
          startSeen = true;
          {
            const claims = authenticate(ws, message);
            if (!claims) return;
            authenticated();
            starting = startSession(ws, message, claims).then((started) => {
              if (!started) return undefined;
              sessions.add(started);
              sockets.set(started, ws);
              session = started;
              for (const waiting of early.splice(0)) deliver(waiting);
              // The socket went while the agent was looked up: end the session it never had.
              if (ended) void finish(endReason());
              return started;
            });
            starting.catch((error: unknown) => {
              deps.log.error({ err: error, callSid: message.start.callSid }, 'could not start the call session');
              ws.close(1011, 'internal error');
            });
          }
          return;
        case 'media':
        case 'mark':
        case 'dtmf':
          deliver(message);
          return;
        case 'stop':
          stopped = true;
          ended = true;
          void finish('stop');
          return;
        default:
          return;
      }
    });
    ws.on('close', () => {
      clearTimeout(startTimer);
      ended = true;
      void finish(endReason());
    });
    ws.on('error', (error) => deps.log.warn({ err: error }, 'media stream socket error'));

    function endReason(): 'stop' | 'socket_closed' | 'handover' {
      return stopped ? 'stop' : handingOver.has(ws) ? 'handover' : 'socket_closed';
    }

    async function finish(reason: 'stop' | 'socket_closed' | 'handover'): Promise<void> {
      const ending = session;
      session = undefined;
      handingOver.delete(ws);
      if (!ending) return;
      try {
        await ending.end(reason);
      } finally {
        sessions.delete(ending);
        sockets.delete(ending);
      }
    }
  }

  /**
   * Authenticates the stream by its signed token (who is calling comes from the token alone), once
   * per call; the call's session is started from its claims.
   */
  function authenticate(ws: WebSocket, start: StartMessage): StreamClaims | undefined {
    const config = deps.config.get();
    const { callSid, accountSid, customParameters: params } = start.start;
    const refuse = (why: string): undefined => {
      deps.log.warn({ callSid, accountSid }, `refused a media stream: ${why}`);
      ws.close(1008, 'unauthorized');
      return undefined;
    };
    const account = config.twilio.accounts.find((a) => a.accountSid === accountSid);
    const claims = account && verifyStreamToken(account.authToken, params.token, { callSid, accountSid });
    if (!claims) return refuse('missing or invalid stream token');
    if (SIGNED_PARAMETERS.some((name) => params[name] !== undefined && params[name] !== claims[name]))
      return refuse('stream parameters disagree with the stream token');
    if (!used.claim(callSid, claims.expiresAt * 1000, claims.seq))
      return refuse('the call already has (or had) a stream');
    return claims;
  }

  /**
   * The agent the gateway pinned for the call (in the token); a token from before agents names none,
   * and the line's current agent answers. If the store cannot be read, the configuration's default
   * agent answers (version 0: not from the store) rather than nobody.
   */
  async function callAgent(claims: StreamClaims, local: string, log: Logger): Promise<ResolvedAgent> {
    try {
      if (claims.agentId !== undefined && claims.agentVersion !== undefined) {
        const pinned = await agents.get(claims.agentId, claims.agentVersion);
        if (pinned) return pinned;
        log.warn({ agentId: claims.agentId, agentVersion: claims.agentVersion }, 'pinned agent version not found');
      }
      return (await agents.forLine(claims.accountSid, local, 'voice')).agent;
    } catch (error) {
      log.error({ err: error }, 'could not read the agents; the default agent of the configuration answers');
      const config = deps.config.get();
      return resolveAgent(defaultAgentFrom(config), 0, config);
    }
  }

  async function startSession(
    ws: WebSocket,
    start: StartMessage,
    claims: StreamClaims,
  ): Promise<VoiceSession | undefined> {
    const config = deps.config.get();
    const { callSid, accountSid } = start.start;
    const log = deps.log.child({ callSid });
    // The token carries Twilio's From/To; the person on the line is the callee when we placed the call.
    const { remote, local } = callParties(claims);
    // A reconnect token: this stream takes over a lost one; the call so far comes from its workflow
    // (asked while the agent is looked up: the caller is waiting in silence).
    const resuming = claims.seq ? resumeOf(deps.temporal, callSid, claims.seq, log) : undefined;
    const agent = await callAgent(claims, local, log);
    const resume = await resuming;
    if (ws.readyState !== ws.OPEN) return undefined;
    const stt = deps.providers.stt(agent.turnTaking, agent.language);
    if (!stt) {
      log.error('no speech-to-text configured (ASSEMBLYAI_API_KEY); cannot hold a call');
      ws.close(1011, 'speech recognition not configured');
      return undefined;
    }
    const { customerId, direction } = claims;
    const startedAt = new Date().toISOString();
    const tap = live.started({
      callSid,
      accountSid,
      customerId,
      remote,
      local,
      direction,
      agentId: agent.id,
      agentVersion: agent.version,
      startedAt,
      // A stream taking over a lost one: the call so far, as its workflow knew it.
      turns: (resume?.transcript ?? []).map((t) => ({ ...t, at: startedAt })),
    });
    const reporter = tappedEvents(
      new CallReporter(deps.temporal, config.temporal.taskQueue, { callSid, accountSid }, log),
      tap,
    );
    reporter.streamStarted({
      callSid,
      accountSid,
      streamSid: start.streamSid,
      customerId,
      remote,
      local,
      direction,
      at: startedAt,
      trust: claims.trust,
      agentId: agent.id,
      agentVersion: agent.version,
      ...(claims.seq ? { seq: claims.seq } : {}),
    });
    const context = (speaking: ResolvedAgent, trust: CallerTrust): Promise<CallContext> =>
      loadCallContext(stores, speaking, {
        customerId,
        remote,
        direction,
        trust,
        // What was said on this call before is restored from its workflow, not repeated from the history.
        ...(resume ? { resumedCallSid: callSid } : {}),
      }).catch((error: unknown) => {
        log.error({ err: error }, 'could not load the customer context; answering without memory');
        return { system: agentSystemPrompt(speaking, 'voice', { now: new Date() }), history: [] };
      });
    const knowledge = deps.knowledge && voiceKnowledge(deps.knowledge, { accountSid, customerId, callSid });
    const session = new VoiceSession({
      ...(knowledge ? { knowledge } : {}),
      config: () => deps.config.get(),
      stt,
      llm: (speaking) => deps.providers.llm(speaking),
      tts: (speaking) => deps.providers.tts(speaking.voice, speaking.language),
      reporter,
      live: tap,
      agent,
      trust: claims.trust,
      context,
      findAgent: (agentId, version) => agents.get(agentId, version),
      externalTools: async (speaking) =>
        (await externalToolOffer(agentToolReferences(speaking.definition), deps.config.get(), deps.mcp)).tools,
      ...(claims.recorded !== undefined ? { recorded: claims.recorded } : {}),
      ...(resume ? { resume } : {}),
      metrics: deps.metrics.voice,
      log,
      streamSid: start.streamSid,
      callSid,
      send: (frame) => {
        if (ws.readyState === ws.OPEN) ws.send(frame);
      },
    });
    session.start();
    log.info(
      {
        customerId,
        direction,
        trust: claims.trust,
        agentId: agent.id,
        agentVersion: agent.version,
        ...(claims.seq ? { seq: claims.seq } : {}),
      },
      resume ? 'media stream started: taking over a lost stream' : 'media stream started',
    );
    return session;
  }

  /**
   * Retrieval for one call's turns: the speaking agent's knowledge bases, and the customer's own
   * history once the caller is verified; never this call's own turns (the model has them).
   */
  function voiceKnowledge(
    index: KnowledgeSearch,
    call: { accountSid: string; customerId: string; callSid: string },
  ): VoiceKnowledge {
    const config = deps.config.get();
    return {
      ...voiceRetrievalTiming(config),
      search: (text, speaking, trust) => {
        const scope = conversationScope({
          accountSid: call.accountSid,
          knowledgeBaseIds: speaking.definition.knowledge,
          customerId: call.customerId,
          customerHistory: trust === 'verified',
        });
        if (scopeIsEmpty(scope)) return undefined;
        return retrievePassages(index, {
          text,
          scope,
          limit: retrievalTopK(deps.config.get(), 'voice'),
          exclude: { callSid: call.callSid },
        }).then((found) => found.passages);
      },
    };
  }

  return {
    server,
    activeCalls: () => sessions.size,
    live,
    async drain() {
      draining = true;
      await Promise.all(
        [...sockets].map(async ([session, ws]) => {
          await session.handOver();
          handingOver.add(ws);
          ws.close(HANDOVER_CLOSE_CODE, 'worker restarting');
        }),
      );
      // Each session reports its end (`handover`) once its socket has closed.
      await Promise.all([...sessions].map((s) => s.end('handover')));
    },
    async close() {
      live.close();
      for (const client of wss.clients) client.terminate();
      await Promise.all([...sessions].map((s) => s.end('socket_closed')));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
