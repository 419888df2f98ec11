import { decodeMulaw, encodeMulaw } from '../../src/audio/mulaw';
import { decodeMuLaw, encodeMuLaw, linearToMuLaw, muLawToLinear, MULAW_SILENCE } from '../../console/src/audio/mulaw';
import { Downsampler, Framer } from '../../console/src/audio/resample';
import {
  base64ToBytes,
  bytesToBase64,
  OutboundStream,
  parseMessage,
  PlayoutClock,
} from '../../console/src/audio/media-stream';

/** The browser call's audio path: the same mu-law as the realtime worker, 8 kHz, 20 ms frames, marks on time. */
describe('console mu-law', () => {
  it('decodes every byte as the realtime worker does', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const server = decodeMulaw(all);
    for (let b = 0; b < 256; b++) expect(muLawToLinear(b)).toBe(server[b]);
  });

  it('encodes like the realtime worker across the 16-bit range (clipped the same way)', () => {
    const samples = Array.from({ length: 4001 }, (_, i) => -32000 + i * 16);
    const server = encodeMulaw(samples);
    samples.forEach((s, i) => expect(linearToMuLaw(s)).toBe(server[i]));
    expect(linearToMuLaw(0)).toBe(MULAW_SILENCE);
  });

  it('round-trips Web Audio samples within mu-law precision (about 3% of the value)', () => {
    const input = Float32Array.from([0, 0.001, -0.001, 0.1, -0.1, 0.5, -0.5, 0.99, -0.99]);
    const output = decodeMuLaw(encodeMuLaw(input));
    input.forEach((v, i) => expect(Math.abs(output[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 0.035 + 0.0005));
    // Out of range input clips rather than wrapping around.
    expect(decodeMuLaw(encodeMuLaw(Float32Array.from([2, -2])))[0]).toBeGreaterThan(0.95);
  });
});

describe('console resampling to 8 kHz', () => {
  function tone(rate: number, hz: number, seconds: number): Float32Array {
    return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate));
  }

  it.each([48_000, 44_100, 16_000])(
    'turns %i Hz into 8 kHz, chunk by chunk, without losing or inventing samples',
    (rate) => {
      const input = tone(rate, 440, 1);
      const down = new Downsampler(rate);
      let total = 0;
      // Audio worklets deliver 128-frame blocks; the resampler carries the remainder across them.
      for (let i = 0; i < input.length; i += 128) total += down.push(input.subarray(i, i + 128)).length;
      expect(Math.abs(total - 8000)).toBeLessThanOrEqual(1);
    },
  );

  it('keeps a speech-band tone and damps one above 4 kHz', () => {
    const rms = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    const speech = new Downsampler(48_000).push(tone(48_000, 440, 0.5));
    const high = new Downsampler(48_000).push(tone(48_000, 7_000, 0.5));
    expect(rms(speech)).toBeGreaterThan(0.6);
    expect(rms(high)).toBeLessThan(rms(speech) / 3);
  });

  it('refuses to upsample', () => {
    expect(() => new Downsampler(4000)).toThrow(/cannot downsample/);
  });

  it('cuts 20 ms frames of 160 bytes, keeping the remainder for the next push', () => {
    const framer = new Framer();
    expect(framer.push(new Uint8Array(100))).toHaveLength(0);
    const frames = framer.push(Uint8Array.from({ length: 300 }, (_, i) => i % 256));
    expect(frames.map((f) => f.length)).toEqual([160, 160]);
    expect(frames[1]![0]).toBe(160 - 100 + 0); // continuous: byte 60 of the second push starts frame 2
    expect(framer.push(new Uint8Array(80))).toHaveLength(1);
  });
});

describe('console media stream messages', () => {
  it('sends numbered media frames with the stream sid, base64 payload and a growing timestamp', () => {
    let now = 1000;
    const stream = new OutboundStream(() => now);
    stream.streamSid = 'MZ1';
    const first = JSON.parse(stream.media(Uint8Array.from([1, 2, 3]))) as { media: Record<string, string> } & Record<
      string,
      unknown
    >;
    now += 20;
    const second = JSON.parse(stream.media(new Uint8Array(160))) as { media: Record<string, string> } & Record<
      string,
      unknown
    >;
    expect(first).toMatchObject({ event: 'media', streamSid: 'MZ1', sequenceNumber: '1' });
    expect(first.media).toEqual({ track: 'inbound', chunk: '1', timestamp: '0', payload: 'AQID' });
    expect(second.media).toMatchObject({ chunk: '2', timestamp: '20' });
    expect(JSON.parse(stream.mark('turn-1'))).toMatchObject({
      event: 'mark',
      mark: { name: 'turn-1' },
      sequenceNumber: '3',
    });
  });

  it('round-trips base64 and reads only well-formed messages', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
    expect(parseMessage('{"event":"media","media":{"payload":"AQID"}}')).toMatchObject({ event: 'media' });
    expect(parseMessage('{"event":"mark","mark":{"name":"a"}}')).toMatchObject({ mark: { name: 'a' } });
    expect(parseMessage('{"event":"clear","streamSid":"MZ1"}')).toMatchObject({ event: 'clear' });
    expect(parseMessage('{"event":"media"}')).toBeUndefined();
    expect(parseMessage('{"event":"surprise"}')).toBeUndefined();
    expect(parseMessage('not json')).toBeUndefined();
    expect(parseMessage(new ArrayBuffer(2))).toBeUndefined();
  });
});

describe('console playout clock (when marks are echoed)', () => {
  it('echoes a mark only once the audio queued before it has played', () => {
    const clock = new PlayoutClock();
    expect(clock.enqueueAudio(0.5, 10)).toBe(10);
    expect(clock.enqueueAudio(0.5, 10.1)).toBe(10.5); // back to back, not overlapping
    clock.enqueueMark('a', 10.1);
    clock.enqueueAudio(0.2, 10.2);
    clock.enqueueMark('b', 10.2);
    expect(clock.due(10.9)).toEqual([]);
    expect(clock.due(11)).toEqual(['a']);
    expect(clock.due(11.1)).toEqual([]);
    expect(clock.due(11.2)).toEqual(['b']);
    expect(clock.playing(11.3)).toBe(false);
  });

  it('a mark with nothing queued is due at once; after a gap audio starts at now', () => {
    const clock = new PlayoutClock();
    clock.enqueueMark('idle', 5);
    expect(clock.due(5)).toEqual(['idle']);
    expect(clock.enqueueAudio(0.02, 7)).toBe(7);
  });

  it('clear (barge-in) stops playback at once and echoes every pending mark', () => {
    const clock = new PlayoutClock();
    clock.enqueueAudio(3, 0);
    clock.enqueueMark('m1', 0);
    clock.enqueueAudio(1, 0);
    clock.enqueueMark('m2', 0);
    expect(clock.playing(1)).toBe(true);
    expect(clock.clear(1)).toEqual(['m1', 'm2']);
    expect(clock.playing(1)).toBe(false);
    expect(clock.due(100)).toEqual([]);
    expect(clock.enqueueAudio(0.5, 1.2)).toBe(1.2);
  });
});
