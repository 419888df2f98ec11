import { Playout, wordsPrefix } from '../../src/realtime/playout';

/** A playout with a hand-driven clock and a record of what it sent to "Twilio". */
function playout() {
  let now = 0;
  const sent: Array<{ event: string; name?: string; bytes?: number }> = [];
  const p = new Playout(
    'MZ1',
    (frame) => {
      const m = JSON.parse(frame) as { event: string; mark?: { name: string }; media?: { payload: string } };
      sent.push({
        event: m.event,
        ...(m.mark ? { name: m.mark.name } : {}),
        ...(m.media ? { bytes: Buffer.from(m.media.payload, 'base64').length } : {}),
      });
    },
    () => now,
  );
  return { p, sent, at: (t: number) => (now = t) };
}

const ms = (n: number) => Buffer.alloc(n * 8, 0x55);

describe('playout', () => {
  it('marks every chunk and keeps everything once all marks came back', () => {
    const { p, sent, at } = playout();
    const a = p.startChunk(1, 'Hello there.');
    const b = p.startChunk(1, 'How are you?');
    p.sendAudio(a, ms(500));
    p.endChunk(a);
    p.sendAudio(b, ms(300));
    p.endChunk(b);
    expect(sent.filter((m) => m.event === 'mark').map((m) => m.name)).toEqual(['t1c0', 't1c1']);
    // 800 ms of audio went out in 100 ms messages (Twilio buffers them).
    expect(sent.filter((m) => m.event === 'media').map((m) => m.bytes)).toEqual([
      800, 800, 800, 800, 800, 800, 800, 800,
    ]);
    expect(p.isSpeaking()).toBe(true);
    at(500);
    p.onMark('t1c0');
    at(800);
    p.onMark('t1c1');
    expect(p.isSpeaking()).toBe(false);
    expect(p.heardText(1)).toEqual({ text: 'Hello there. How are you?', interrupted: false });
  });

  it('on clear keeps the played chunks and the heard share of the one that was playing', () => {
    const { p, sent, at } = playout();
    const a = p.startChunk(2, 'We have three plans.');
    const b = p.startChunk(2, 'The basic plan costs ten dollars a month.');
    const c = p.startChunk(2, 'The premium plan costs thirty.');
    at(0);
    p.sendAudio(a, ms(1000));
    p.endChunk(a);
    p.sendAudio(b, ms(2000));
    p.endChunk(b);
    p.sendAudio(c, ms(1500));
    at(1000);
    p.onMark('t2c0');
    at(1500); // a quarter of chunk b has played
    p.clear(2);
    expect(sent.at(-1)).toEqual({ event: 'clear' });
    const heard = p.heardText(2);
    expect(heard.interrupted).toBe(true);
    expect(heard.text).toBe('We have three plans. The basic plan…');
    // Marks echoed by Twilio after the clear do not make cut chunks "played".
    p.onMark('t2c1');
    expect(p.heardText(2).text).toBe('We have three plans. The basic plan…');
    // Nothing more of a cut chunk is sent.
    const before = sent.length;
    p.sendAudio(c, ms(100));
    p.endChunk(c);
    expect(sent.length).toBe(before);
  });

  it('a discarded chunk (synthesis failed before any audio) was never said', async () => {
    const { p, at } = playout();
    const a = p.startChunk(3, 'This never made it.');
    p.discard(a);
    const b = p.startChunk(3, 'Sorry, say that again?');
    expect(b.mark).toBe('t3c1');
    p.sendAudio(b, ms(200));
    p.endChunk(b);
    const settled = p.settled(3, 5000);
    at(200);
    p.onMark('t3c1');
    await settled;
    expect(p.heardText(3)).toEqual({ text: 'Sorry, say that again?', interrupted: false });
  });

  it('settles on cut, or after the timeout', async () => {
    const { p } = playout();
    const a = p.startChunk(4, 'Long sentence.');
    p.sendAudio(a, ms(200));
    p.endChunk(a);
    const settled = p.settled(4, 60_000);
    p.cut(4);
    await settled;
    const b = p.startChunk(5, 'Another.');
    p.sendAudio(b, ms(200));
    p.endChunk(b);
    const started = Date.now();
    await p.settled(5, 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('takes the words covering a share of the text', () => {
    expect(wordsPrefix('one two three four', 0)).toBe('');
    expect(wordsPrefix('one two three four', 0.3)).toBe('one two');
    expect(wordsPrefix('one two three four', 1)).toBe('one two three four');
  });
});
