/**
 * Process metrics as OpenTelemetry instruments, exposed as Prometheus text for `GET /metrics`.
 *
 * Exposed series (Prometheus names; the exporter adds `_total` to counters):
 * - `beluga_voice_turn_latency_ms` histogram, label `part`: `total` (end of speech → first reply
 *   audio), `stt`, `llm_first_token`, `llm_first_chunk`, `tts_first_byte`, `overhead`. One metric
 *   with a label rather than six so a dashboard can stack or compare the parts of one turn.
 * - `beluga_voice_calls_total` counter; `beluga_voice_active_calls` gauge (up-down counter).
 * - `beluga_voice_barge_ins_total` counter.
 * - `beluga_voice_fallbacks_total` counter, label `kind` (`llm` | `tts` | `stt`).
 * - `beluga_events_published_total` counter, label `type` (event catalog types: bounded).
 * - `beluga_webhook_attempts_total` counter, label `outcome` (`delivered` | `failed`).
 * - `target_info` carries `service_name` (the `serviceName` given to createMetrics).
 */
import type { Counter, Histogram, UpDownCounter } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { TurnLatency } from '../voice/call-types';

export interface VoiceMetrics {
  /** One agent reply's latency parts (histograms, ms). */
  recordTurn(latency: TurnLatency): void;
  /** A media stream began: one more active call, and one more call in total. */
  callStarted(): void;
  callEnded(): void;
  /** The caller talked over the agent and the reply was cut. */
  bargeIn(): void;
  /** A provider failed and the pipeline fell back (secondary provider or canned reply). */
  fallback(kind: FallbackKind): void;
}

export type FallbackKind = 'llm' | 'tts' | 'stt';
type WebhookOutcome = 'delivered' | 'failed';

export interface EventMetrics {
  eventPublished(type: string): void;
  webhookAttempt(outcome: WebhookOutcome): void;
}

export interface Metrics {
  voice: VoiceMetrics;
  events: EventMetrics;
  /** Prometheus text exposition, for GET /metrics. */
  render(): Promise<string>;
  shutdown(): Promise<void>;
}

/** Content-Type for `render()`'s output (Prometheus text format 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4';

/**
 * Milliseconds. Fine steps below 1 s where voice latency is felt (a reply past ~800 ms sounds
 * slow), coarse above it where only "slow" versus "broken" matters.
 */
export const LATENCY_BUCKETS_MS = [5, 10, 20, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000];

const TURN_PARTS: ReadonlyArray<readonly [part: string, pick: (latency: TurnLatency) => number]> = [
  ['total', (l) => l.endOfSpeechToFirstAudioMs],
  ['stt', (l) => l.sttMs],
  ['llm_first_token', (l) => l.llmFirstTokenMs],
  ['llm_first_chunk', (l) => l.llmFirstChunkMs],
  ['tts_first_byte', (l) => l.ttsFirstByteMs],
  ['overhead', (l) => l.overheadMs],
];
const FALLBACK_KINDS: readonly FallbackKind[] = ['llm', 'tts', 'stt'];
const WEBHOOK_OUTCOMES: readonly WebhookOutcome[] = ['delivered', 'failed'];

/**
 * A private MeterProvider per call (never registered globally), so two instances in one process
 * (tests, or a worker and a gateway sharing a dev process) keep separate counts.
 */
export function createMetrics(serviceName: string): Metrics {
  // Pull-only: the exporter is just the MetricReader (cumulative temporality, as Prometheus
  // expects); GET /metrics on our own HTTP server does the serving, so its server never starts.
  const reader = new PrometheusExporter({ preventServerStart: true });
  // Every series comes from the one meter below, so otel_scope_* labels would only be noise.
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  const provider = new MeterProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': serviceName })),
    readers: [reader],
  });
  const meter = provider.getMeter('beluga');

  const turnLatency: Histogram = meter.createHistogram('beluga_voice_turn_latency_ms', {
    description: 'Agent reply latency by part, in milliseconds',
    unit: 'ms',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
  });
  const calls: Counter = meter.createCounter('beluga_voice_calls', { description: 'Calls started' });
  const activeCalls: UpDownCounter = meter.createUpDownCounter('beluga_voice_active_calls', {
    description: 'Calls in progress',
  });
  const bargeIns: Counter = meter.createCounter('beluga_voice_barge_ins', {
    description: 'Agent replies cut off by the caller',
  });
  const fallbacks: Counter = meter.createCounter('beluga_voice_fallbacks', {
    description: 'Provider failures that fell back, by kind',
  });
  const eventsPublished: Counter = meter.createCounter('beluga_events_published', {
    description: 'Events published, by type',
  });
  const webhookAttempts: Counter = meter.createCounter('beluga_webhook_attempts', {
    description: 'Outbound webhook delivery attempts, by outcome',
  });

  // Start every bounded series at 0: a series that first appears mid-incident hides its first
  // increment from rate()/increase(), and "absent" is ambiguous on a dashboard.
  calls.add(0);
  activeCalls.add(0);
  bargeIns.add(0);
  for (const kind of FALLBACK_KINDS) fallbacks.add(0, { kind });
  for (const outcome of WEBHOOK_OUTCOMES) webhookAttempts.add(0, { outcome });

  return {
    voice: {
      recordTurn(latency) {
        for (const [part, pick] of TURN_PARTS) {
          const ms = pick(latency);
          // A part that wasn't measured (NaN) or a clock oddity (negative) would poison the sum;
          // skip that part rather than the whole turn.
          if (Number.isFinite(ms) && ms >= 0) turnLatency.record(ms, { part });
        }
      },
      callStarted() {
        calls.add(1);
        activeCalls.add(1);
      },
      callEnded() {
        activeCalls.add(-1);
      },
      bargeIn() {
        bargeIns.add(1);
      },
      fallback(kind) {
        fallbacks.add(1, { kind });
      },
    },
    events: {
      eventPublished(type) {
        eventsPublished.add(1, { type });
      },
      webhookAttempt(outcome) {
        webhookAttempts.add(1, { outcome });
      },
    },
    async render() {
      // collect() errors come only from extra MetricProducers, which we don't configure.
      const { resourceMetrics } = await reader.collect();
      return serializer.serialize(resourceMetrics);
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}

/** Records nothing and renders an empty exposition: for code paths and tests that don't care. */
export const noopMetrics: Metrics = Object.freeze({
  voice: Object.freeze({ recordTurn() {}, callStarted() {}, callEnded() {}, bargeIn() {}, fallback() {} }),
  events: Object.freeze({ eventPublished() {}, webhookAttempt() {} }),
  render: async () => '',
  shutdown: async () => {},
});
