/** Where a turn's words come from: a script consumed in order across sessions, then a responder. */
import type { ResponderContext, TranscriptResponder } from './types';

/** The real service's formatted form: capitalised, with closing punctuation. Idempotent. */
export function formatTurnText(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  if (trimmed === '') return '';
  const capitalised = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.?!]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** The unformatted form (partials and the first final): lower case, no punctuation. */
export function unformatTurnText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')
    .join(' ');
}

export interface ReservedTranscript {
  /** Formatted text. */
  text: string;
  /** Came from the script, so an aborted turn gives it back. */
  scripted: boolean;
}

export class TranscriptSource {
  private queue: string[] = [];
  private turnsSoFar = 0;

  constructor(private responder: TranscriptResponder | undefined) {}

  /** Appends utterances; each turn (in any session) takes the next one. */
  script(utterances: readonly string[]): void {
    this.queue.push(...utterances);
  }

  respondWith(responder: TranscriptResponder | undefined): void {
    this.responder = responder;
  }

  get remaining(): readonly string[] {
    return this.queue;
  }

  /** Called when speech starts, so partials can show the words. */
  take(ctx: ResponderContext): ReservedTranscript {
    this.turnsSoFar++;
    const next = this.queue.shift();
    if (next !== undefined) return { text: formatTurnText(next), scripted: true };
    const text = this.responder ? this.responder(ctx) : `utterance ${this.turnsSoFar}`;
    return { text: formatTurnText(text), scripted: false };
  }

  /** A turn that never got its final Turn: the next turn (the client's replay after a reconnect) gets its text. */
  giveBack(reserved: ReservedTranscript): void {
    this.turnsSoFar--;
    if (reserved.scripted) this.queue.unshift(reserved.text);
  }

  reset(): void {
    this.queue = [];
    this.turnsSoFar = 0;
  }
}
