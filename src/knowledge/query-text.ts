/**
 * The words of a question that carry its topic, for embedding it in a hybrid search. "What did I tell
 * you was broken when my delivery came?" is mostly conversational framing (what, did, I, tell, you): in
 * an averaged embedding those words pull the query towards chit-chat turns ("What can I do for you?")
 * rather than the turn that answers it. The lexical half still gets the whole question (BM25 already
 * weighs common words down, and dropping them there measured worse on customer questions).
 * Measured on the tuning half of the labelled set: vector recall@5 0.655 → 0.782 (customer 0.43 → 0.77).
 */
const FRAMING_WORDS = new Set(
  (
    'a an the and or but if of at by for with about to from in on into onto up down out off over under ' +
    'again then once here there when where why how what which who whom whose this that these those ' +
    'am is are was were be been being have has had having do does did doing ' +
    'i me my mine myself we us our ours you your yours yourself he him his she her hers it its they them their theirs ' +
    'can could would should will shall may might must just so too very not no nor only own same such than ' +
    'any some all each both few more most other also still tell told say said ask asked get got give gave ' +
    'please thanks thank'
  ).split(' '),
);

/** The question without its framing words; the question itself when nothing else is left. */
export function topicWords(question: string): string {
  const kept = question
    .split(/\s+/)
    .filter((word) => word !== '' && !FRAMING_WORDS.has(word.toLowerCase().replace(/[^a-z0-9'-]/g, '')));
  return kept.length > 0 ? kept.join(' ') : question;
}
