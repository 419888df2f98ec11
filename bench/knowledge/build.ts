/**
 * Builds the labelled retrieval set from a seed: two accounts (a home-goods retailer and a family clinic),
 * their knowledge-base documents, and hundreds of customers' calls and text messages, with questions
 * whose answers are known chunk ids. Deterministic: the same seed gives the same set, byte for byte.
 */
import type { Chunk, ChunkSource, SearchScope } from '../../src/knowledge/types';
import {
  CLINIC_ACCOUNT,
  HOME_ACCOUNT,
  type LabelledQuestion,
  type QuestionCategory,
  type RetrievalSet,
} from './dataset';
import {
  BRANCH_QUESTIONS,
  CLINIC_LOCATIONS,
  CLINIC_POLICIES,
  HOME_POLICIES,
  HOME_STORES,
  type DocumentSpec,
} from './documents';
import { buildPeople, hasLookAlike, spokenPhone, type Person } from './people';
import { buildManuals, buildProducts } from './products';
import { Dice } from './random';
import { clinicScenario, homeScenario, type ScenarioContext, type ScenarioRun, type Turn } from './scenarios';

const INGESTED_AT = '2026-05-20T09:00:00.000Z';
const FIRST_CALL = Date.UTC(2026, 5, 1);
const LAST_CALL = Date.UTC(2026, 10, 25);
const DAY_MS = 86_400_000;

/** How many questions of each category the set keeps (drawn at random from all candidates). */
const QUOTAS: Record<QuestionCategory, number> = {
  paraphrase: 60,
  near_miss: 50,
  number: 45,
  name: 40,
  customer: 60,
};

interface Business {
  account: string;
  brand: string;
  knowledgeBaseId: string;
  agents: string[];
  idPrefix: string;
  areaCode: string;
  customers: number;
}

const HOME: Business = {
  account: HOME_ACCOUNT,
  brand: 'Hearth & Harbor',
  knowledgeBaseId: 'kb-hh-help',
  agents: ['Jamie', 'Priyanka', 'Marcus', 'Elena'],
  idPrefix: 'hh',
  areaCode: '503',
  customers: 260,
};

const CLINIC: Business = {
  account: CLINIC_ACCOUNT,
  brand: 'Riverside Family Clinic',
  knowledgeBaseId: 'kb-rfc-guide',
  agents: ['Tess', 'Andre', 'Mina'],
  idPrefix: 'rfc',
  areaCode: '971',
  customers: 200,
};

interface Candidate {
  category: QuestionCategory;
  text: string;
  scope: SearchScope;
  relevant: string[];
}

export function buildRetrievalSet(seed = 12): RetrievalSet {
  const dice = new Dice(seed);
  const chunks: Chunk[] = [];
  const candidates: Candidate[] = [];

  // Documents: policies, stores and manuals for the retailer; the patient guide and locations for the clinic.
  const products = buildProducts(dice);
  const manuals = buildManuals(products, dice);
  const homeDocs = [HOME_POLICIES, HOME_STORES];
  const clinicDocs = [CLINIC_POLICIES, CLINIC_LOCATIONS];
  for (const [business, docs] of [
    [HOME, homeDocs],
    [CLINIC, clinicDocs],
  ] as const) {
    const scope = documentScope(business);
    for (const doc of docs)
      doc.sections.forEach((section, position) => {
        const chunk = documentChunk(business, doc, section.heading, section.text, position);
        chunks.push(chunk);
        for (const text of section.questions)
          candidates.push({ category: 'paraphrase', text, scope, relevant: [chunk.id] });
      });
    for (const question of BRANCH_QUESTIONS.filter((q) => docs.some((doc) => doc.documentId === q.documentId))) {
      const chunk = chunks.find(
        (c) =>
          c.documentId === question.documentId && c.source.kind === 'document' && c.source.section === question.heading,
      )!;
      candidates.push({ category: 'near_miss', text: question.text, scope, relevant: [chunk.id] });
    }
  }
  const manualIds = new Map<string, number>();
  for (const section of manuals) {
    const documentId = `doc-hh-manual-${slug(section.product.name)}`;
    const position = manualIds.get(documentId) ?? 0;
    manualIds.set(documentId, position + 1);
    const doc: DocumentSpec = { documentId, title: `${section.product.name} user manual`, sections: [] };
    const chunk = documentChunk(HOME, doc, section.heading, section.text, position);
    chunks.push(chunk);
    candidates.push({
      category: 'near_miss',
      text: section.question,
      scope: documentScope(HOME),
      relevant: [chunk.id],
    });
  }

  // Conversations: each customer's calls (one chunk per turn) and text messages.
  const numbers = new NumberBook(dice);
  for (const business of [HOME, CLINIC]) {
    const people = buildPeople(dice, business.customers, business.idPrefix, business.areaCode);
    for (const person of people) {
      const calls = dice.int(1, 3);
      for (let call = 0; call < calls; call++) {
        const at =
          FIRST_CALL +
          dice.int(0, Math.floor((LAST_CALL - FIRST_CALL) / DAY_MS)) * DAY_MS +
          dice.int(8, 18) * 3_600_000;
        const ctx: ScenarioContext = {
          dice,
          person,
          date: () => spokenDate(at + dice.int(-12, 14) * DAY_MS),
          orderNumber: () => numbers.next(business === HOME ? 4 : 5),
        };
        const run = business === HOME ? homeScenario(ctx, products) : clinicScenario(ctx);
        const callChunks = callTurns(business, person, call, at, run, dice);
        chunks.push(...callChunks.chunks);
        for (const question of run.questions) {
          const relevant = question.turns.map((turn) => callChunks.chunks[callChunks.index[turn]!]!.id);
          if (question.kind === 'customer')
            candidates.push({
              category: 'customer',
              text: question.text,
              scope: { accountSid: business.account, customerIds: [person.id] },
              relevant,
            });
          else if (question.kind === 'name' && hasLookAlike(person, people))
            candidates.push({ category: 'name', text: question.text, scope: operatorScope(business), relevant });
          else if (question.kind === 'number' && run.numbers.some((n) => numbers.hasNearMiss(n)))
            candidates.push({ category: 'number', text: question.text, scope: operatorScope(business), relevant });
        }
      }
      chunks.push(...messages(business, person, dice, numbers));
    }
  }

  const questions: LabelledQuestion[] = [];
  const pools = mergeRepeats(candidates);
  for (const category of Object.keys(QUOTAS) as QuestionCategory[]) {
    const pool = pools.filter((candidate) => candidate.category === category);
    // Paraphrase questions are hand-written: keep them all (up to the quota); others are sampled.
    const chosen =
      category === 'paraphrase' ? pool.slice(0, QUOTAS[category]) : dice.shuffle(pool).slice(0, QUOTAS[category]);
    chosen.forEach((candidate, i) =>
      questions.push({ id: `${category}-${String(i + 1).padStart(3, '0')}`, ...candidate }),
    );
  }
  return { chunks, questions };
}

/**
 * The same question in the same scope (a customer who called twice about late deliveries) is answered by
 * either call: one question with both answers, never two questions each missing the other's.
 */
function mergeRepeats(candidates: Candidate[]): Candidate[] {
  const merged = new Map<string, Candidate>();
  for (const candidate of candidates) {
    const key = JSON.stringify([candidate.category, candidate.scope, candidate.text]);
    const seen = merged.get(key);
    if (seen) seen.relevant = [...new Set([...seen.relevant, ...candidate.relevant])];
    else merged.set(key, { ...candidate, relevant: [...candidate.relevant] });
  }
  return [...merged.values()];
}

/** Numbers of orders, invoices and claims; about a third are a digit swap of one already in use elsewhere. */
class NumberBook {
  private readonly used = new Set<string>();
  private readonly all: string[] = [];

  constructor(private readonly dice: Dice) {}

  next(digits: number): string {
    const sameLength = this.all.filter((n) => n.length === digits);
    if (sameLength.length > 0 && this.dice.chance(0.35)) {
      const base = this.dice.pick(sameLength.slice(-200));
      const i = this.dice.int(0, digits - 2);
      const swapped = base.slice(0, i) + base[i + 1]! + base[i]! + base.slice(i + 2);
      if (swapped !== base && swapped[0] !== '0' && !this.used.has(swapped)) return this.take(swapped);
    }
    for (;;) {
      const candidate = String(this.dice.int(10 ** (digits - 1), 10 ** digits - 1));
      if (!this.used.has(candidate)) return this.take(candidate);
    }
  }

  /** Another number in use has the same digits in another order (4521 / 4512). */
  hasNearMiss(number: string): boolean {
    const digits = number.replace(/\D/g, '');
    const key = [...digits].sort().join('');
    return this.all.some((other) => other !== digits && [...other].sort().join('') === key);
  }

  private take(number: string): string {
    this.used.add(number);
    this.all.push(number);
    return number;
  }
}

function documentScope(business: Business): SearchScope {
  return { accountSid: business.account, knowledgeBaseIds: [business.knowledgeBaseId] };
}

function operatorScope(business: Business): SearchScope {
  return { accountSid: business.account, allCustomers: true, allKnowledgeBases: true };
}

function documentChunk(business: Business, doc: DocumentSpec, heading: string, text: string, position: number): Chunk {
  const source: ChunkSource = {
    kind: 'document',
    knowledgeBaseId: business.knowledgeBaseId,
    documentId: doc.documentId,
    title: doc.title,
    section: heading,
    position,
  };
  return {
    id: `${doc.documentId}#${position}`,
    accountSid: business.account,
    knowledgeBaseId: business.knowledgeBaseId,
    documentId: doc.documentId,
    documentVersion: 'v1',
    text,
    title: `${doc.title}: ${heading}`,
    source,
    at: INGESTED_AT,
  };
}

/** The call as spoken: greeting, the scenario's turns with an identity check between them, and a goodbye. */
function callTurns(
  business: Business,
  person: Person,
  call: number,
  at: number,
  run: ScenarioRun,
  dice: Dice,
): { chunks: Chunk[]; index: number[] } {
  const agent = dice.pick(business.agents);
  const turns: Turn[] = [
    {
      speaker: 'agent',
      text: dice.pick([
        `Thank you for calling ${business.brand}, this is ${agent}, how can I help you today?`,
        `Good morning, ${business.brand}, you are speaking with ${agent}.`,
        `Hello, ${business.brand}, ${agent} speaking. What can I do for you?`,
      ]),
    },
  ];
  const index: number[] = [];
  run.turns.forEach((turn, i) => {
    if (i === 1 && dice.chance(0.7)) {
      turns.push(
        {
          speaker: 'agent',
          text: 'Of course. Can I take the first line of the address on your account to confirm it is you?',
        },
        { speaker: 'caller', text: `Sure, it is ${person.street}, ${person.city}.` },
      );
    }
    index.push(turns.length);
    turns.push(turn);
  });
  turns.push(
    {
      speaker: 'agent',
      text: dice.pick(['Is there anything else I can help with today?', 'Anything else I can do for you?']),
    },
    {
      speaker: 'caller',
      text: dice.pick(['No, that is everything, thanks.', 'That is all, thank you so much.', 'No thanks, bye.']),
    },
  );
  const callSid = `CA${hex(`${person.id}-${call}`)}`;
  const iso = new Date(at).toISOString();
  const chunks = turns.map((turn, i): Chunk => {
    const turnAt = new Date(at + i * 20_000).toISOString();
    return {
      id: `${callSid}:${i}`,
      accountSid: business.account,
      customerId: person.id,
      channel: 'voice',
      text: turn.text,
      title: `Call with ${spokenPhone(person.phone)} on ${iso.slice(0, 10)}`,
      source: { kind: 'call', callSid, turnId: `t${i}`, speaker: turn.speaker, at: turnAt },
      at: turnAt,
    };
  });
  return { chunks, index };
}

function messages(business: Business, person: Person, dice: Dice, numbers: NumberBook): Chunk[] {
  const count = dice.int(0, 2);
  const out: Chunk[] = [];
  for (let m = 0; m < count; m++) {
    const at = FIRST_CALL + dice.int(0, 170) * DAY_MS + dice.int(7, 21) * 3_600_000;
    const inbound = dice.chance(0.5);
    const text =
      business === HOME
        ? inbound
          ? dice.pick([
              `Hi, is order ${numbers.next(4)} still coming ${spokenDate(at + 2 * DAY_MS)}?`,
              'Can I change the colour on my order before it ships?',
              'Thanks, the delivery guys were great.',
            ])
          : dice.pick([
              `${business.brand}: your delivery is booked for ${spokenDate(at + 3 * DAY_MS)} between 8am and noon. Reply STOP to opt out.`,
              `${business.brand}: your order ${numbers.next(4)} has been dispatched.`,
            ])
        : inbound
          ? dice.pick([
              'Confirmed, thanks.',
              'Can I bring my husband to the appointment?',
              'Running ten minutes late, sorry!',
            ])
          : dice.pick([
              `${business.brand}: reminder of your appointment on ${spokenDate(at + 2 * DAY_MS)}. Reply C to confirm.`,
              `${business.brand}: your test results are ready in the patient portal.`,
            ]);
    const messageId = `msg-${person.id}-${m}`;
    const iso = new Date(at).toISOString();
    out.push({
      id: messageId,
      accountSid: business.account,
      customerId: person.id,
      channel: 'sms',
      text,
      title: `SMS with ${spokenPhone(person.phone)}`,
      source: { kind: 'message', messageId, direction: inbound ? 'inbound' : 'outbound', at: iso },
      at: iso,
    });
  }
  return out;
}

function spokenDate(ms: number): string {
  return new Date(ms).toLocaleDateString('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** A stable 32-hex-digit id from a string (FNV-1a, four lanes). */
function hex(text: string): string {
  let out = '';
  for (let lane = 0; lane < 4; lane++) {
    let hash = 0x811c9dc5 ^ lane;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    out += (hash >>> 0).toString(16).padStart(8, '0');
  }
  return out;
}
