import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../storage/duplicate-key';
import { identityKey } from './addresses';

type ConsentAction = 'opt_out' | 'opt_in';

/** One thing that happened to an address's consent: a keyword it sent us, or Twilio's 21610 on a send. */
export interface ConsentFact {
  accountSid: string;
  /** The identity key (`phone:+E164`): SMS and WhatsApp of one number share one consent. */
  address: string;
  /** Our number it concerned. */
  to: string;
  action: ConsentAction;
  /** The inbound MessageSid, or `twilio21610:<send key>`. */
  source: string;
  at: Date;
}

export interface ConsentState {
  optedOut: boolean;
  /** The fact that decided it; none when the address never opted out or in. */
  since?: Date;
  history: ConsentFact[];
}

interface FactDoc extends ConsentFact {
  _id: string;
}

/** The current state is the latest fact; equal times resolve to opt-out (the safe side). */
export function consentStateOf(facts: ConsentFact[]): ConsentState {
  const history = [...facts].sort(
    (a, b) => a.at.getTime() - b.at.getTime() || (a.action === b.action ? 0 : a.action === 'opt_out' ? 1 : -1),
  );
  const latest = history[history.length - 1];
  return { optedOut: latest?.action === 'opt_out', ...(latest ? { since: latest.at } : {}), history };
}

/**
 * Opt-outs and opt-ins per account and address, kept as insert-only facts (`consent_facts`) and
 * resolved on read: FerretDB v1 loses concurrent updates to one document, and a redelivered
 * keyword (same MessageSid) is the same fact. Keyed by account and address, not by customer.
 */
export class ConsentStore {
  private readonly facts: Collection<FactDoc>;

  constructor(db: Db) {
    this.facts = db.collection<FactDoc>('consent_facts');
  }

  async ensureIndexes(): Promise<void> {
    await this.facts.createIndex({ accountSid: 1, address: 1, at: 1 });
  }

  /** Stores a fact once; false when it was already there (a redelivery). `address` may be any Twilio address. */
  async record(fact: Omit<ConsentFact, 'address'> & { address: string }): Promise<boolean> {
    const address = identityKey(fact.address);
    try {
      await this.facts.insertOne({ ...fact, address, _id: `${fact.accountSid}|${address}|${fact.source}` });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async state(accountSid: string, address: string): Promise<ConsentState> {
    const docs = await this.facts.find({ accountSid, address: identityKey(address) }).toArray();
    return consentStateOf(docs.map(({ _id, ...fact }) => fact));
  }

  async isOptedOut(accountSid: string, address: string): Promise<boolean> {
    return (await this.state(accountSid, address)).optedOut;
  }
}
