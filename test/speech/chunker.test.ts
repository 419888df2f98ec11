import { SpeechChunker, type ChunkerOptions } from '../../src/speech/chunker';

/** Feeds `text` in deltas of `step` chars (or at the given split points); returns chunks plus the flushed rest. */
function chunk(text: string, step: number | number[] = 1, options?: ChunkerOptions): string[] {
  const chunker = new SpeechChunker(options);
  const out: string[] = [];
  const cuts = Array.isArray(step)
    ? [...step, text.length]
    : Array.from({ length: Math.ceil(text.length / step) }, (_, i) => Math.min((i + 1) * step, text.length));
  let from = 0;
  for (const to of cuts) {
    out.push(...chunker.push(text.slice(from, to)));
    from = to;
  }
  const rest = chunker.flush();
  if (rest !== undefined) out.push(rest);
  return out;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('SpeechChunker', () => {
  it('emits the first sentence as soon as the next word starts', () => {
    const chunker = new SpeechChunker();
    expect(chunker.push('Hello there.')).toEqual([]); // "." could still be "3.50" or "example.com"
    expect(chunker.push(' How')).toEqual(['Hello there.']);
    expect(chunker.push(' are you?')).toEqual([]);
    expect(chunker.flush()).toBe('How are you?');
    expect(chunker.flush()).toBeUndefined();
  });

  it('cuts at ! ? ; : and newlines', () => {
    expect(chunk('Hi! Yes? Sure; fine: ok\nnext line')).toEqual(['Hi!', 'Yes?', 'Sure;', 'fine:', 'ok', 'next line']);
  });

  it('cuts an eager chunk at a comma only once it is long enough', () => {
    expect(chunk('Okay, so, well, I looked at your account, and it seems fine.')).toEqual([
      'Okay, so, well, I looked at your account,',
      'and it seems fine.',
    ]);
  });

  it('cuts at dashes once long enough, never at hyphens in words', () => {
    expect(chunk('I checked the well-known account records — and it is all fine.')).toEqual([
      'I checked the well-known account records —',
      'and it is all fine.',
    ]);
    expect(chunk('I checked the well-known account records - and it is all fine.')).toEqual([
      'I checked the well-known account records -',
      'and it is all fine.',
    ]);
    expect(chunk('Short — then the rest of it.')).toEqual(['Short — then the rest of it.']);
  });

  it.each([
    ['titles', 'Mr. Smith and Dr. Jones will call you back.'],
    ['latin', 'Bring an ID, e.g. a passport, i.e. something official.'],
    ['initials', 'It was written by J. R. R. Tolkien himself.'],
    ['decimals', 'The total is $3.50 plus 0.25 in tax.'],
    ['times', 'We open at 10:30 and close at 17:45 today.'],
    ['lowercase after a.m.', 'Call at 10 a.m. and ask for the desk.'],
    ['URLs', 'Go to https://beluga.example.com/help?topic=bills#top now.'],
    ['e-mails', 'Write to help.desk@beluga.example.com any time.'],
    ['thousands', 'That is 1,250 points in total.'],
    ['numbers', 'You are caller No. 5 in the queue.'],
  ])('never splits inside %s', (_name, text) => {
    for (const step of [1, 2, 3, 7, text.length]) expect(chunk(text, step)).toEqual([text]);
  });

  it('ends a sentence after an abbreviation when the next word is capitalized', () => {
    expect(chunk('We sell pens, pads, etc. Then we ship them out.')).toEqual([
      'We sell pens, pads, etc.',
      'Then we ship them out.',
    ]);
    expect(chunk('Meet me at 10 a.m. Bring the papers.')).toEqual(['Meet me at 10 a.m.', 'Bring the papers.']);
  });

  it('waits for the next word before deciding on an abbreviation', () => {
    const chunker = new SpeechChunker();
    expect(chunker.push('We sell pens, pads, etc. ')).toEqual([]);
    expect(chunker.push('and more.')).toEqual([]);
    expect(chunker.flush()).toBe('We sell pens, pads, etc. and more.');
  });

  it('treats ellipses as a pause, not as three sentence ends', () => {
    expect(chunk('Well... let me see. Yes.')).toEqual(['Well... let me see.', 'Yes.']);
    expect(chunk('Hmm… I think so. Really?! Yes.')).toEqual(['Hmm… I think so.', 'Really?!', 'Yes.']);
  });

  it('keeps closing quotes and brackets with their sentence', () => {
    expect(chunk('He said "call me." Then he left (quickly.) Bye.')).toEqual([
      'He said "call me."',
      'Then he left (quickly.)',
      'Bye.',
    ]);
  });

  it('does not speak a list marker on its own', () => {
    expect(chunk('1. Keep it\n2. Drop it')).toEqual(['1. Keep it', '2. Drop it']);
  });

  it('merges short sentences once enough audio is queued', () => {
    const text =
      'Thank you so much for calling the Beluga support line today. Sure. I can help. Let me check that for you now. One moment.';
    expect(chunk(text, 4)).toEqual([
      'Thank you so much for calling the Beluga support line today.',
      'Sure. I can help. Let me check that for you now.',
      'One moment.',
    ]);
    // While little is queued, short sentences go out on their own.
    expect(chunk('Hi. Sure. I can help.', 4)).toEqual(['Hi.', 'Sure.', 'I can help.']);
  });

  it('caps long chunks at a boundary or a space', () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    const chunks = chunk(`${words}.`, 5);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(200);
    expect(squash(chunks.join(' '))).toBe(`${words}.`);
    // Prefers the last sentence end under the cap over a space.
    const long = `Sorry. ${'Then you wait a bit and '.repeat(4)}see. ${'And after that you try again '.repeat(5)}please.`;
    const capped = chunk(long, 3);
    expect(capped[1]).toMatch(/see\.$/);
  });

  it('never cuts between an abbreviation and its name when capping', () => {
    const text = `${'a'.repeat(190)} Dr. Smith will call later today`;
    const chunks = chunk(text, 1);
    expect(chunks.some((c) => c.endsWith('Dr.'))).toBe(false);
  });

  it('gives the same chunks however the text is split into deltas', () => {
    const text =
      'Hi! Thanks for calling. Mr. Smith, your 10:30 a.m. appointment costs $3.50, i.e. very little. ' +
      'Visit https://beluga.example.com/help or write to help@beluga.example.com... Anything else? ' +
      'We also sell pens, pads, etc. Then again — who knows.\n1. Yes\n2. No';
    const reference = chunk(text, text.length);
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let trial = 0; trial < 200; trial++) {
      const cuts: number[] = [];
      for (let at = 0; at < text.length;) cuts.push((at += 1 + Math.floor(random() * 8)));
      expect(
        chunk(
          text,
          cuts.filter((c) => c < text.length),
        ),
      ).toEqual(reference);
    }
    expect(squash(reference.join(' '))).toBe(squash(text));
    for (const step of [1, 2, 5, 13]) expect(chunk(text, step)).toEqual(reference);
  });

  it('returns nothing for blank text and resets after flush', () => {
    const chunker = new SpeechChunker();
    expect(chunker.push('   \n ')).toEqual([]);
    expect(chunker.flush()).toBeUndefined();
    expect(chunker.push('First. ')).toEqual(['First.']);
    chunker.reset();
    expect(chunker.push('Again. A')).toEqual(['Again.']); // eager again after reset
  });

  it('is fast', () => {
    const text = 'Okay, so I looked at your account, and it seems your last payment went through. '.repeat(500);
    const started = process.hrtime.bigint();
    const chunks = chunk(text, 4);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(chunks.length).toBeGreaterThan(400);
    expect(ms).toBeLessThan(500);
  });
});
