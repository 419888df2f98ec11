/**
 * Programmable faults. Rules are checked in insertion order on every request; latency from all
 * matching latency rules adds up, and the first failure rule that fires decides the outcome.
 * Probabilistic rules draw from a seeded RNG so a failing test replays identically.
 */
import { seededRandom } from '../shared/seeded-random';
/**
 * `drop-connection` drops the request before Twilio acts on it; `lose-response` lets it take effect
 * (the message is sent, the call updated) and then drops the connection before the answer: the
 * client sees a network error for something that happened.
 */
export type FaultKind = 'rate-limit' | 'server-error' | 'service-unavailable' | 'drop-connection' | 'lose-response';

export interface RequestMatcher {
  method?: string;
  /** RegExp, or a path pattern where `*` is one segment and `**` anything, e.g. `/api/**\/Messages.json`. */
  path?: string | RegExp;
}

export interface FaultRuleHandle {
  /** How many requests this rule has affected so far. */
  readonly fired: number;
  remove(): void;
}

interface Rule {
  matcher: RegExp | undefined;
  method: string | undefined;
  latencyMs?: number;
  failure?: { kind: FaultKind; remaining?: number; probability?: number };
  fired: number;
}

export interface FaultDecision {
  latencyMs: number;
  failure: FaultKind | undefined;
}

function toRegExp(path: string | RegExp | undefined): RegExp | undefined {
  if (path === undefined || path instanceof RegExp) return path;
  const source = path
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

export class FaultInjector {
  private rules: Rule[] = [];
  private random: () => number;

  constructor(private seed = 1) {
    this.random = seededRandom(seed);
  }

  /** Delay every matching request by a fixed amount, until removed. */
  latency(ms: number, match: RequestMatcher = {}): FaultRuleHandle {
    return this.add({ ...this.matcherOf(match), latencyMs: ms, fired: 0 });
  }

  /** The next `count` matching requests fail with `kind`; the rule then goes quiet. */
  failNext(count: number, kind: FaultKind, match: RequestMatcher = {}): FaultRuleHandle {
    return this.add({ ...this.matcherOf(match), failure: { kind, remaining: count }, fired: 0 });
  }

  /** Each matching request fails with `kind` with the given probability (seeded RNG). */
  failWithProbability(probability: number, kind: FaultKind, match: RequestMatcher = {}): FaultRuleHandle {
    return this.add({ ...this.matcherOf(match), failure: { kind, probability }, fired: 0 });
  }

  /** Restart the RNG sequence (e.g. at the start of each test). */
  reseed(seed = this.seed): void {
    this.seed = seed;
    this.random = seededRandom(seed);
  }

  clear(): void {
    this.rules = [];
    this.reseed();
  }

  decide(method: string, path: string): FaultDecision {
    let latencyMs = 0;
    let failure: FaultKind | undefined;
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.matcher && !rule.matcher.test(path)) continue;
      if (rule.latencyMs !== undefined) {
        latencyMs += rule.latencyMs;
        rule.fired += 1;
      }
      if (rule.failure && failure === undefined && this.fires(rule.failure)) {
        failure = rule.failure.kind;
        rule.fired += 1;
      }
    }
    return { latencyMs, failure };
  }

  private fires(failure: NonNullable<Rule['failure']>): boolean {
    if (failure.remaining !== undefined) {
      if (failure.remaining <= 0) return false;
      failure.remaining -= 1;
      return true;
    }
    return this.random() < (failure.probability ?? 0);
  }

  private matcherOf(match: RequestMatcher): Pick<Rule, 'matcher' | 'method'> {
    return { matcher: toRegExp(match.path), method: match.method };
  }

  private add(rule: Rule): FaultRuleHandle {
    this.rules.push(rule);
    return {
      get fired() {
        return rule.fired;
      },
      remove: () => {
        this.rules = this.rules.filter((r) => r !== rule);
      },
    };
  }
}
