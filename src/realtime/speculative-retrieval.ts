import type { KnowledgePassage } from '../knowledge/citations';
import { worthSearching } from '../knowledge/retrieval';

/**
 * How a turn's knowledge was had: `speculative` (searched from the partial transcript while the
 * caller finished), `fresh` (searched from the final transcript, ready within the budget), `late`
 * (not ready within the budget: the turn went on without it), `none` (nothing worth searching, or
 * nothing to search in), `failed`.
 */
type RetrievalOutcome = 'speculative' | 'fresh' | 'late' | 'none' | 'failed';

/** What a turn got: the passages (numbered from 1) and how long the reply waited for them. */
export interface TurnKnowledge {
  passages: KnowledgePassage[];
  outcome: RetrievalOutcome;
  /** From the end of the caller's turn to the passages being handed over (or given up on). */
  waitedMs: number;
  /** How long the search that was used (or given up on) took, start to finish (undefined while it runs). */
  searchMs?: number;
}

export interface SpeculativeRetrievalOptions {
  /** Searches the call's scope as it is now (agent, trust); undefined when there is nothing to search in. */
  search: (text: string) => Promise<KnowledgePassage[]> | undefined;
  /** A partial must stand this long before it is searched (the caller is still talking meanwhile). */
  debounceMs: number;
  now: () => number;
  /** A search failed (it never fails the turn). */
  failed: (error: unknown) => void;
}

interface Search {
  words: string[];
  startedAt: number;
  readonly finishedAt: number | undefined;
  /** Never rejects: a failure is the error. */
  result: Promise<KnowledgePassage[] | Error>;
}

/** Lower-case words without punctuation: partials are unformatted, the final transcript is formatted. */
function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

/**
 * Whether a search for `searched` serves `final`: every word searched is in the final transcript, in
 * order, and they make up at least {@link MIN_COVERAGE} of it. A caller who went on to say something
 * else ("...and also my delivery date") gets a fresh search.
 */
const MIN_COVERAGE = 0.75;
function serves(searched: readonly string[], final: readonly string[]): boolean {
  if (searched.length === 0 || searched.length < final.length * MIN_COVERAGE) return false;
  return searched.every((word, i) => final[i] === word);
}

/**
 * Retrieval that does not delay the first audio: searches start from the caller's partial
 * transcript while they are still finishing (debounced, at most one in flight; a newer partial
 * makes an older search stale), and at the end of the turn the reply takes the result only if it is
 * ready within a small budget. One per call.
 */
export class SpeculativeRetrieval {
  private timer?: NodeJS.Timeout;
  private pendingText?: string;
  private latest?: Search;
  private closed = false;

  constructor(private readonly options: SpeculativeRetrievalOptions) {}

  /** Interim text of the caller's turn: searched once it has stood for `debounceMs`. */
  onPartial(text: string): void {
    if (this.closed) return;
    this.pendingText = text;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.speculate(), this.options.debounceMs);
  }

  /**
   * The caller's turn ended with `text`: the passages for the reply, waiting at most `budgetMs` for a
   * search already running (or one started now). A speculative search made stale by the final words
   * is dropped; whatever is not ready in time is dropped too (the model can still search with its tool).
   */
  async forTurn(text: string, budgetMs: number): Promise<TurnKnowledge> {
    const endedAt = this.options.now();
    clearTimeout(this.timer);
    this.pendingText = undefined;
    const final = wordsOf(text);
    const speculative = this.latest && serves(this.latest.words, final) ? this.latest : undefined;
    this.latest = undefined;
    const search = speculative ?? (worthSearching(text) ? this.start(text) : undefined);
    if (!search) return { passages: [], outcome: 'none', waitedMs: 0 };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), budgetMs)));
    const result = await Promise.race([search.result, late]);
    clearTimeout(timer);
    const waitedMs = Math.round((this.options.now() - endedAt) * 10) / 10;
    const searchMs =
      search.finishedAt === undefined ? undefined : Math.round((search.finishedAt - search.startedAt) * 10) / 10;
    const timing = { waitedMs, ...(searchMs === undefined ? {} : { searchMs }) };
    if (result === 'late') return { passages: [], outcome: 'late', ...timing };
    if (result instanceof Error) return { passages: [], outcome: 'failed', ...timing };
    if (result.length === 0) return { passages: [], outcome: 'none', ...timing };
    return { passages: result, outcome: speculative ? 'speculative' : 'fresh', ...timing };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.latest = undefined;
  }

  private speculate(): void {
    const text = this.pendingText;
    this.pendingText = undefined;
    if (this.closed || text === undefined || !worthSearching(text)) return;
    const words = wordsOf(text);
    // The same words are being searched already (partials repeat while the caller pauses).
    if (this.latest && this.latest.words.join(' ') === words.join(' ')) return;
    this.start(text);
  }

  /** Starts a search for `text`; it becomes the latest (an older one still running is simply not used). */
  private start(text: string): Search | undefined {
    const running = this.options.search(text);
    if (!running) return undefined;
    const startedAt = this.options.now();
    const finished: { at?: number } = {};
    const result = running.then(
      (passages) => {
        finished.at = this.options.now();
        return passages;
      },
      (error: unknown) => {
        finished.at = this.options.now();
        this.options.failed(error);
        return error instanceof Error ? error : new Error(String(error));
      },
    );
    const search: Search = {
      words: wordsOf(text),
      startedAt,
      get finishedAt() {
        return finished.at;
      },
      result,
    };
    this.latest = search;
    return search;
  }
}
