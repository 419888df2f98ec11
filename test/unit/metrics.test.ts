import { createMetrics, LATENCY_BUCKETS_MS, noopMetrics, type Metrics } from '../../src/observability/metrics';
import type { TurnLatency } from '../../src/voice/call-types';

/** The value of one exposed sample, e.g. `beluga_voice_calls_total` or `x_bucket{part="stt",le="100"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const TURN: TurnLatency = {
  endOfSpeechToFirstAudioMs: 640,
  sttMs: 210,
  llmFirstTokenMs: 180,
  llmFirstChunkMs: 300,
  ttsFirstByteMs: 90,
  overheadMs: 40,
};
const HIST = 'beluga_voice_turn_latency_ms';

describe('metrics', () => {
  const created: Metrics[] = [];
  function metrics(service = 'test'): Metrics {
    const m = createMetrics(service);
    created.push(m);
    return m;
  }
  afterAll(async () => {
    await Promise.all(created.map((m) => m.shutdown()));
  });

  it('exposes turn latency as one histogram labelled by part, with the voice buckets', async () => {
    const m = metrics();
    m.voice.recordTurn(TURN);
    m.voice.recordTurn({ ...TURN, endOfSpeechToFirstAudioMs: 1200, sttMs: 95 });
    const text = await m.render();

    expect(text).toContain(`# TYPE ${HIST} histogram`);
    expect(sample(text, `${HIST}_count{part="total"}`)).toBe(2);
    expect(sample(text, `${HIST}_sum{part="total"}`)).toBe(1840);
    // Cumulative buckets: 640 lands in le=750, 1200 in le=1500.
    expect(sample(text, `${HIST}_bucket{part="total",le="500"}`)).toBe(0);
    expect(sample(text, `${HIST}_bucket{part="total",le="750"}`)).toBe(1);
    expect(sample(text, `${HIST}_bucket{part="total",le="1000"}`)).toBe(1);
    expect(sample(text, `${HIST}_bucket{part="total",le="1500"}`)).toBe(2);
    expect(sample(text, `${HIST}_bucket{part="total",le="+Inf"}`)).toBe(2);
    expect(sample(text, `${HIST}_sum{part="stt"}`)).toBe(305);
    expect(sample(text, `${HIST}_bucket{part="stt",le="100"}`)).toBe(1);
    expect(sample(text, `${HIST}_bucket{part="stt",le="300"}`)).toBe(2);
    for (const [part, value] of [
      ['llm_first_token', 180],
      ['llm_first_chunk', 300],
      ['tts_first_byte', 90],
      ['overhead', 40],
    ] as const) {
      expect(sample(text, `${HIST}_count{part="${part}"}`)).toBe(2);
      expect(sample(text, `${HIST}_sum{part="${part}"}`)).toBe(value * 2);
    }
    // Every configured boundary is exposed, and nothing else.
    const bounds = [...text.matchAll(new RegExp(`^${HIST}_bucket\\{part="total",le="([^"]+)"\\}`, 'gm'))].map(
      (match) => match[1],
    );
    expect(bounds).toEqual([...LATENCY_BUCKETS_MS.map(String), '+Inf']);
  });

  it('skips a part that was not measured instead of poisoning the sum', async () => {
    const m = metrics();
    m.voice.recordTurn({ ...TURN, sttMs: Number.NaN, overheadMs: -3 });
    const text = await m.render();
    expect(sample(text, `${HIST}_count{part="total"}`)).toBe(1);
    expect(sample(text, `${HIST}_count{part="stt"}`)).toBeUndefined();
    expect(sample(text, `${HIST}_count{part="overhead"}`)).toBeUndefined();
  });

  it('moves the call, barge-in, fallback, event and webhook counters', async () => {
    const m = metrics();
    const before = await m.render();
    // Bounded series exist at 0 before anything happens.
    expect(sample(before, 'beluga_voice_calls_total')).toBe(0);
    expect(sample(before, 'beluga_voice_active_calls')).toBe(0);
    expect(sample(before, 'beluga_voice_fallbacks_total{kind="stt"}')).toBe(0);
    expect(sample(before, 'beluga_webhook_attempts_total{outcome="failed"}')).toBe(0);

    m.voice.callStarted();
    m.voice.callStarted();
    m.voice.callEnded();
    m.voice.bargeIn();
    m.voice.fallback('tts');
    m.voice.fallback('tts');
    m.voice.fallback('llm');
    m.events.eventPublished('call.completed');
    m.events.webhookAttempt('delivered');
    m.events.webhookAttempt('failed');
    m.events.webhookAttempt('delivered');
    const text = await m.render();

    expect(text).toContain('# TYPE beluga_voice_calls_total counter');
    expect(text).toContain('# TYPE beluga_voice_active_calls gauge');
    expect(sample(text, 'beluga_voice_calls_total')).toBe(2);
    expect(sample(text, 'beluga_voice_active_calls')).toBe(1);
    expect(sample(text, 'beluga_voice_barge_ins_total')).toBe(1);
    expect(sample(text, 'beluga_voice_fallbacks_total{kind="tts"}')).toBe(2);
    expect(sample(text, 'beluga_voice_fallbacks_total{kind="llm"}')).toBe(1);
    expect(sample(text, 'beluga_voice_fallbacks_total{kind="stt"}')).toBe(0);
    expect(sample(text, 'beluga_events_published_total{type="call.completed"}')).toBe(1);
    expect(sample(text, 'beluga_webhook_attempts_total{outcome="delivered"}')).toBe(2);
    expect(sample(text, 'beluga_webhook_attempts_total{outcome="failed"}')).toBe(1);
    // Cumulative: a second scrape sees the same totals, not a delta.
    expect(sample(await m.render(), 'beluga_voice_calls_total')).toBe(2);
  });

  it('keeps two instances in one process apart', async () => {
    const a = metrics('service-a');
    const b = metrics('service-b');
    a.voice.callStarted();
    a.voice.recordTurn(TURN);
    const [textA, textB] = [await a.render(), await b.render()];
    expect(sample(textA, 'beluga_voice_calls_total')).toBe(1);
    expect(sample(textB, 'beluga_voice_calls_total')).toBe(0);
    expect(sample(textA, `${HIST}_count{part="total"}`)).toBe(1);
    expect(sample(textB, `${HIST}_count{part="total"}`)).toBeUndefined();
    expect(textA).toMatch(/^target_info\{[^}]*service_name="service-a"/m);
    expect(textB).toMatch(/^target_info\{[^}]*service_name="service-b"/m);
  });

  it('has a no-op implementation that records nothing', async () => {
    noopMetrics.voice.recordTurn(TURN);
    noopMetrics.voice.callStarted();
    noopMetrics.events.webhookAttempt('failed');
    expect(await noopMetrics.render()).toBe('');
    await noopMetrics.shutdown();
  });
});
