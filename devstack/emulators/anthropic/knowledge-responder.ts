/**
 * A responder that answers from knowledge passages the way a grounded model does, so tests can
 * assert retrieval-augmented answers end to end: it reads the numbered passages the request carries
 * (`[n] title (origin)` followed by the passage text, in the system prompt or in a tool result),
 * picks the one sharing the most words with the customer's question, and answers with that
 * passage's best-matching sentence followed by its citation marker `[n]`. With no passage sharing a
 * word it can search first (`search_knowledge`, when offered and not tried yet), else it falls back.
 */
import { echoResponder, textReply, toolUseReply } from './responders';
import type { RecordedRequest, RequestContentBlock, Responder } from './types';

interface EmulatedPassage {
  n: number;
  title: string;
  text: string;
}

const PASSAGE_HEADER = /^\[(\d{1,3})\] (.+)$/;
const STOPWORDS = new Set(
  'a an and are as at be by can do does for from have how i if in is it me my of on or our so that the this to was we what when where which who why will with you your did tell about'.split(
    ' ',
  ),
);

function blocksText(content: string | RequestContentBlock[]): string[] {
  if (typeof content === 'string') return [content];
  return content.flatMap((block) => {
    if (typeof block.text === 'string') return [block.text];
    if (block.type === 'tool_result' && block.content !== undefined) return blocksText(block.content);
    return [];
  });
}

/** Every passage in the request (system prompt and tool results), by number; a later one with the same number wins. */
export function passagesIn(request: RecordedRequest): EmulatedPassage[] {
  const texts = [
    ...(request.system === undefined ? [] : blocksText(request.system)),
    ...request.messages.flatMap((m) => blocksText(m.content)),
  ];
  const found = new Map<number, EmulatedPassage>();
  for (const text of texts) {
    let current: EmulatedPassage | undefined;
    for (const line of text.split('\n')) {
      const header = PASSAGE_HEADER.exec(line);
      if (header) {
        current = { n: Number(header[1]), title: header[2]!, text: '' };
        found.set(current.n, current);
      } else if (current) {
        if (line.trim() === '') current = undefined;
        else current.text += (current.text ? ' ' : '') + line.trim();
      }
    }
  }
  return [...found.values()].filter((p) => p.text.length > 0);
}

function contentWords(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 1 && !STOPWORDS.has(w)));
}

function overlap(a: Set<string>, b: Set<string>): number {
  let n = 0;
  for (const w of a) if (b.has(w) || b.has(w.replace(/s$/, '')) || b.has(`${w}s`)) n++;
  return n;
}

/** The customer's question: the newest user message that is their words, not a tool result. */
function lastQuestion(request: RecordedRequest): string {
  for (const message of [...request.messages].reverse()) {
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') return message.content;
    const words = message.content.filter((b) => b.type === 'text' && typeof b.text === 'string').map((b) => b.text);
    if (words.length > 0) return words.join('\n');
  }
  return '';
}

export interface KnowledgeResponderOptions {
  /** Ask `search_knowledge` first when no passage matches and the tool is offered (default true). */
  search?: boolean;
  /** What answers when no passage matches (default: the echo responder). */
  fallback?: Responder;
}

export function knowledgeResponder(options: KnowledgeResponderOptions = {}): Responder {
  const fallback = options.fallback ?? echoResponder;
  return (request) => {
    const question = lastQuestion(request);
    const asked = contentWords(question);
    let best: { passage: EmulatedPassage; score: number } | undefined;
    for (const passage of passagesIn(request)) {
      const score = overlap(asked, contentWords(`${passage.title} ${passage.text}`));
      if (score > 0 && (!best || score > best.score)) best = { passage, score };
    }
    if (best) {
      const sentences = best.passage.text.match(/[^.!?]+[.!?]?/g) ?? [best.passage.text];
      const sentence = sentences
        .map((s) => ({ s: s.trim(), score: overlap(asked, contentWords(s)) }))
        .sort((a, b) => b.score - a.score)[0]!.s;
      const body = /[.!?]$/.test(sentence) ? sentence.slice(0, -1) : sentence;
      return textReply(`${body} [${best.passage.n}].`);
    }
    const searched = request.messages.some(
      (m) =>
        typeof m.content !== 'string' && m.content.some((b) => b.type === 'tool_use' && b.name === 'search_knowledge'),
    );
    const offered = (request.tools ?? []).some((t) => t.name === 'search_knowledge');
    if ((options.search ?? true) && offered && !searched && asked.size > 0)
      return toolUseReply('search_knowledge', { query: question.slice(0, 200) });
    return fallback(request);
  };
}
