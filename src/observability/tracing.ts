import { context, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { TurnLatency } from '../voice/call-types';

/** The project's tracer. Until an SDK is started it is the API's no-op: spans cost next to nothing. */
export function tracer(): Tracer {
  return trace.getTracer('beluga-telephony');
}

/**
 * Starts OpenTelemetry tracing for a process when an OTLP endpoint is configured
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; exporter, protocol and
 * headers follow the standard `OTEL_*` variables). Without one, nothing is started or sent.
 */
export function startTracing(
  serviceName: string,
  env: Record<string, string | undefined> = process.env,
): { shutdown(): Promise<void> } {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
    return { shutdown: async () => undefined };
  // Metrics have their own Prometheus pipeline (metrics.ts); no automatic instrumentation is loaded.
  const sdk = new NodeSDK({ serviceName, instrumentations: [], metricReaders: [] });
  sdk.start();
  // An unreachable collector loses the last spans; it must never fail a process's shutdown.
  return { shutdown: () => sdk.shutdown().catch(() => undefined) };
}

/** Runs `fn` in an active span that records a thrown error and always ends. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** performance.now() readings of one reply, as the voice loop took them. */
export interface TurnStageTimes {
  speechEndedAt: number;
  sttReceivedAt: number;
  llmRequestAt: number;
  llmFirstChunkAt?: number;
  firstTtsRequestAt?: number;
  firstTtsByteAt?: number;
  firstAudioAt: number;
}

const epoch = (t: number) => performance.timeOrigin + t;

/**
 * One span per reply, from the caller's last word to the first audio frame sent, with a child
 * span per provider stage at the times they really happened (recorded after the fact, so the
 * audio loop never waits on tracing).
 */
export function recordTurnSpans(
  call: { callSid: string; turnId: number; interrupted: boolean },
  timeline: TurnStageTimes,
  latency: TurnLatency,
): void {
  const t = tracer();
  const parent = t.startSpan('voice.reply', {
    startTime: epoch(timeline.speechEndedAt),
    attributes: {
      'call.sid': call.callSid,
      'voice.turn_id': call.turnId,
      'voice.interrupted': call.interrupted,
      'voice.latency.total_ms': latency.endOfSpeechToFirstAudioMs,
      'voice.latency.stt_ms': latency.sttMs,
      'voice.latency.llm_first_token_ms': latency.llmFirstTokenMs,
      'voice.latency.llm_first_chunk_ms': latency.llmFirstChunkMs,
      'voice.latency.tts_first_byte_ms': latency.ttsFirstByteMs,
      'voice.latency.overhead_ms': latency.overheadMs,
    },
  });
  const withParent = trace.setSpan(context.active(), parent);
  const child = (name: string, start: number | undefined, end: number | undefined) => {
    if (start === undefined || end === undefined) return;
    t.startSpan(name, { startTime: epoch(start) }, withParent).end(epoch(end));
  };
  child('voice.stt', timeline.speechEndedAt, timeline.sttReceivedAt);
  child('voice.llm', timeline.llmRequestAt, timeline.llmFirstChunkAt);
  child('voice.tts', timeline.firstTtsRequestAt, timeline.firstTtsByteAt);
  parent.end(epoch(timeline.firstAudioAt));
}
