import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { traceTwilioWebhooks } from '../../src/gateway/trace-requests';
import { inSpan, recordTurnSpans, startTracing } from '../../src/observability/tracing';
import { closeNow } from '../../devstack/emulators/shared/listen';

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterEach(() => exporter.reset());

const ms = (span: ReadableSpan, at: 'startTime' | 'endTime') => span[at][0] * 1000 + span[at][1] / 1e6;

describe('tracing', () => {
  it('records a reply as a span from end of speech to first audio, with a child span per provider stage', () => {
    const t0 = performance.now();
    recordTurnSpans(
      { callSid: 'CA1', turnId: 2, interrupted: false },
      {
        speechEndedAt: t0,
        sttReceivedAt: t0 + 300,
        llmRequestAt: t0 + 301,
        llmFirstChunkAt: t0 + 700,
        firstTtsRequestAt: t0 + 701,
        firstTtsByteAt: t0 + 850,
        firstAudioAt: t0 + 852,
      },
      {
        endOfSpeechToFirstAudioMs: 852,
        sttMs: 300,
        llmFirstTokenMs: 350,
        llmFirstChunkMs: 399,
        ttsFirstByteMs: 149,
        overheadMs: 4,
      },
    );
    const spans = exporter.getFinishedSpans();
    const reply = spans.find((s) => s.name === 'voice.reply')!;
    expect(reply.attributes).toMatchObject({
      'call.sid': 'CA1',
      'voice.turn_id': 2,
      'voice.latency.total_ms': 852,
      'voice.latency.overhead_ms': 4,
    });
    expect(ms(reply, 'endTime') - ms(reply, 'startTime')).toBeCloseTo(852, 0);
    const children = spans.filter((s) => s.parentSpanContext?.spanId === reply.spanContext().spanId);
    expect(children.map((s) => s.name).sort()).toEqual(['voice.llm', 'voice.stt', 'voice.tts']);
    const tts = children.find((s) => s.name === 'voice.tts')!;
    expect(ms(tts, 'endTime') - ms(tts, 'startTime')).toBeCloseTo(149, 0);
  });

  it('marks a failed operation as an error and still ends its span', async () => {
    await expect(
      inSpan('event.publish', { 'event.type': 'x' }, () => Promise.reject(new Error('mongo down'))),
    ).rejects.toThrow('mongo down');
    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({
      name: 'event.publish',
      status: { code: SpanStatusCode.ERROR, message: 'mongo down' },
    });
  });

  it('traces each Twilio webhook with its ids and status', async () => {
    const app = express();
    app.use(
      '/twilio',
      express.urlencoded({ extended: false }),
      traceTwilioWebhooks(),
      (_req, res) => void res.status(403).send('no'),
    );
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/twilio/voice/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'AccountSid=AC1&CallSid=CA9',
      });
      const [span] = exporter.getFinishedSpans();
      expect(span).toMatchObject({
        name: 'twilio POST /twilio/voice/status',
        attributes: { 'twilio.account_sid': 'AC1', 'twilio.call_sid': 'CA9', 'http.response.status_code': 403 },
      });
    } finally {
      await closeNow(server);
    }
  });

  it('starts no SDK without an OTLP endpoint', async () => {
    const tracing = startTracing('test', {});
    await expect(tracing.shutdown()).resolves.toBeUndefined();
  });
});
