import type { Logger } from '../../src/observability/logger';
import type { SpeechToText, SttSession, SttSessionEvents } from '../../src/speech/stt';
import { CallerInput, STT_BACKLOG_MAX_BYTES } from '../../src/realtime/caller-input';

/** Speech recognition that opens only when the test says so (or never). */
class GatedStt implements SpeechToText {
  readonly sent: Buffer[] = [];
  private release?: () => void;

  open(_events: SttSessionEvents): Promise<SttSession> {
    return new Promise((resolve) => {
      this.release = () =>
        resolve({
          sendAudio: (mulaw) => void this.sent.push(Buffer.from(mulaw)),
          forceEndpoint: () => undefined,
          close: async () => undefined,
        });
    });
  }

  openNow(): void {
    this.release!();
  }
}

function recordingLog() {
  const warnings: Array<Record<string, unknown>> = [];
  const log = { warn: (fields: Record<string, unknown>) => warnings.push(fields), error: () => undefined };
  return { log: log as unknown as Logger, warnings };
}

function callerInput(stt: SpeechToText, log: Logger, backlogMaxBytes?: number) {
  const input = new CallerInput(
    {
      stt,
      callSid: 'CA-backlog',
      log,
      vad: () => ({ voicedRms: 1e9, bargeInMinVoicedMs: 1e9 }),
      now: () => 0,
      ...(backlogMaxBytes !== undefined ? { backlogMaxBytes } : {}),
    },
    { endOfTurn: () => undefined, dtmf: () => undefined, bargeIn: () => undefined, sttFailed: () => undefined },
  );
  input.start();
  return input;
}

/** A 20 ms frame whose bytes all carry `n`, so the test can tell frames apart. */
const frame = (n: number) => Buffer.alloc(160, n);

describe('caller audio kept while speech recognition opens', () => {
  it('is capped at 10 s of audio by default', () => {
    expect(STT_BACKLOG_MAX_BYTES).toBe(80_000);
  });

  it('keeps everything under the cap and sends it, in order, once STT opens', async () => {
    const stt = new GatedStt();
    const { log, warnings } = recordingLog();
    const input = callerInput(stt, log, 160 * 5);
    for (let n = 1; n <= 5; n++) input.onAudio(frame(n));
    stt.openNow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stt.sent.map((b) => b[0])).toEqual([1, 2, 3, 4, 5]);
    expect(warnings).toEqual([]);
    await input.close();
  });

  it('at the cap drops the oldest audio, keeps the newest, and warns once per cap of audio dropped', async () => {
    const stt = new GatedStt();
    const { log, warnings } = recordingLog();
    const input = callerInput(stt, log, 160 * 5);
    for (let n = 1; n <= 12; n++) input.onAudio(frame(n));
    // 7 frames dropped: the first warning, then one more after another cap's worth (5 frames).
    expect(warnings).toEqual([
      expect.objectContaining({ callSid: 'CA-backlog', droppedBytes: 160, capBytes: 800 }),
      expect.objectContaining({ droppedBytes: 800 }),
    ]);
    stt.openNow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stt.sent.map((b) => b[0])).toEqual([8, 9, 10, 11, 12]);
    // Once open, audio goes straight through: no backlog, no cap.
    for (let n = 13; n <= 20; n++) input.onAudio(frame(n));
    expect(stt.sent).toHaveLength(13);
    await input.close();
  });

  it('never holds more than the cap when STT never opens', async () => {
    const stt = new GatedStt();
    const { log } = recordingLog();
    const input = callerInput(stt, log);
    // Ten minutes of a call whose STT never opened.
    for (let i = 0; i < 30_000; i++) input.onAudio(frame(i % 256));
    const held = (input as unknown as { backlog: Buffer[] }).backlog.reduce((sum, b) => sum + b.length, 0);
    expect(held).toBe(STT_BACKLOG_MAX_BYTES);
    await input.close();
  });
});
