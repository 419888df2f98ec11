import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../storage/duplicate-key';
import { AgentDefinitionSchema, type AgentDefinition, type AgentVersion } from './definition';
import type { LineOverride } from './routing';

interface VersionDoc {
  /** `<agentId>:<version>`: two writers racing for the same next version cannot both win. */
  _id: string;
  agentId: string;
  version: number;
  definition: AgentDefinition;
  source: AgentVersion['source'];
  /** Of the definition: the file sync compares it to tell a changed file definition from an unchanged one. */
  hash: string;
  createdAt: Date;
}

interface LineOverrideDoc {
  /** `<accountSid>|<address>`. */
  _id: string;
  accountSid: string;
  address: string;
  override: LineOverride;
  updatedAt: Date;
}

/** An agent as the configuration file defines it (`default` when derived from the deployment's settings). */
export interface FileAgent {
  definition: AgentDefinition;
  source: 'file' | 'default';
}

/** Tries a racing append this many times (each loser re-reads and tries the next version). */
const APPEND_ATTEMPTS = 20;

/** JSON with object keys sorted, so equal definitions hash equally whatever order their fields were written in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function definitionHash(definition: AgentDefinition): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

function toVersion(doc: VersionDoc): AgentVersion {
  // Read through the schema so defaults added since it was stored apply; a stored one was valid when written.
  const parsed = AgentDefinitionSchema.safeParse(doc.definition);
  return {
    agentId: doc.agentId,
    version: doc.version,
    definition: parsed.success ? parsed.data : doc.definition,
    source: doc.source,
    createdAt: doc.createdAt,
  };
}

/**
 * Every version of every agent (`agent_versions`, insert-only: a version is never changed, so a call
 * record can always say which definition spoke), the current one being the highest, and the
 * operator's line settings (`line_overrides`). Writers race safely without transactions: a new
 * version is an insert of `<agentId>:<n+1>`, and the loser of a race re-reads and decides again.
 */
export class AgentStore {
  private readonly versionsCollection: Collection<VersionDoc>;
  private readonly overrides: Collection<LineOverrideDoc>;
  /** The file definition hash this process last synced or found in the store, per agent: unchanged ones cost no read. */
  private readonly synced = new Map<string, string>();

  constructor(db: Db) {
    this.versionsCollection = db.collection<VersionDoc>('agent_versions');
    this.overrides = db.collection<LineOverrideDoc>('line_overrides');
  }

  async ensureIndexes(): Promise<void> {
    await this.versionsCollection.createIndex({ agentId: 1, version: -1 }, { unique: true });
  }

  async current(agentId: string): Promise<AgentVersion | undefined> {
    const doc = await this.latest(agentId);
    return doc && toVersion(doc);
  }

  async version(agentId: string, version: number): Promise<AgentVersion | undefined> {
    const doc = await this.versionsCollection.findOne({ _id: `${agentId}:${version}` });
    return doc ? toVersion(doc) : undefined;
  }

  /** Oldest first. */
  async versions(agentId: string): Promise<AgentVersion[]> {
    const docs = await this.versionsCollection.find({ agentId }).sort({ version: 1 }).toArray();
    return docs.map(toVersion);
  }

  /** The current version of every agent, by id. */
  async list(): Promise<AgentVersion[]> {
    const heads = await this.versionsCollection
      .find({}, { projection: { agentId: 1, version: 1 } })
      .sort({ agentId: 1, version: -1 })
      .toArray();
    const newest = new Map<string, number>();
    for (const { agentId, version } of heads) if (!newest.has(agentId)) newest.set(agentId, version);
    const docs = await this.versionsCollection
      .find({ _id: { $in: [...newest].map(([id, v]) => `${id}:${v}`) } })
      .toArray();
    return docs.map(toVersion).sort((a, b) => a.agentId.localeCompare(b.agentId));
  }

  /**
   * Stores a definition from the operator API as the agent's next version; an unchanged definition
   * stores nothing and answers the current version.
   */
  async save(definition: AgentDefinition): Promise<{ version: AgentVersion; created: boolean }> {
    const hash = definitionHash(definition);
    return this.append(definition.id, async (latest) =>
      latest?.hash === hash ? undefined : { definition, source: 'api', hash },
    );
  }

  /**
   * Brings the configuration file's agents into the store: an agent gets a new version only when its
   * file definition differs from the one last taken from the file, so an operator's edit through the
   * API stands until the file's definition of that agent changes. Gateway, orchestrator and realtime
   * worker may all run it at once: each new file definition becomes exactly one version.
   */
  async syncFromConfig(agents: FileAgent[]): Promise<AgentVersion[]> {
    const created: AgentVersion[] = [];
    for (const { definition, source } of agents) {
      const hash = definitionHash(definition);
      if (this.synced.get(definition.id) === hash) continue;
      const result = await this.append(definition.id, async () => {
        const lastFromFile = await this.versionsCollection.findOne(
          { agentId: definition.id, source: { $in: ['file', 'default'] } },
          { sort: { version: -1 } },
        );
        return lastFromFile?.hash === hash ? undefined : { definition, source, hash };
      });
      this.synced.set(definition.id, hash);
      if (result.created) created.push(result.version);
    }
    return created;
  }

  async lineOverride(accountSid: string, address: string): Promise<LineOverride | undefined> {
    const doc = await this.overrides.findOne({ _id: `${accountSid}|${address}` });
    return doc?.override;
  }

  /** The operator's settings of one line, replacing any earlier ones (what the body leaves out comes from the file). */
  async setLineOverride(accountSid: string, address: string, override: LineOverride): Promise<void> {
    await this.overrides.replaceOne(
      { _id: `${accountSid}|${address}` },
      { accountSid, address, override, updatedAt: new Date() },
      { upsert: true },
    );
  }

  async clearLineOverride(accountSid: string, address: string): Promise<boolean> {
    const result = await this.overrides.deleteOne({ _id: `${accountSid}|${address}` });
    return result.deletedCount > 0;
  }

  private async latest(agentId: string): Promise<VersionDoc | undefined> {
    return (await this.versionsCollection.findOne({ agentId }, { sort: { version: -1 } })) ?? undefined;
  }

  /**
   * Appends the next version when `decide` (given the newest one) says what to store; losing a race
   * for that version number means someone else appended first, so it reads and decides again.
   */
  private async append(
    agentId: string,
    decide: (latest: VersionDoc | undefined) => Promise<Pick<VersionDoc, 'definition' | 'source' | 'hash'> | undefined>,
  ): Promise<{ version: AgentVersion; created: boolean }> {
    for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
      const latest = await this.latest(agentId);
      const next = await decide(latest);
      if (!next) {
        // Nothing to add; `decide` may have seen a version written since `latest` was read.
        const now = await this.latest(agentId);
        if (now) return { version: toVersion(now), created: false };
        continue;
      }
      const version = (latest?.version ?? 0) + 1;
      const doc: VersionDoc = { _id: `${agentId}:${version}`, agentId, version, ...next, createdAt: new Date() };
      try {
        await this.versionsCollection.insertOne(doc);
        return { version: toVersion(doc), created: true };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    throw new Error(`agent ${agentId}: could not store a new version (too many concurrent writers)`);
  }
}
