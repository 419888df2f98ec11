import type { Config } from '../config/schema';
import type { ConfigStore } from '../config/store';
import type { AgentDirectory, LineAgent } from './agent-directory';
import type { AgentStore, FileAgent } from './agent-store';
import { defaultAgentFrom, DEFAULT_AGENT_ID } from './default-agent';
import type { AgentVersion } from './definition';
import { resolveAgent, type ResolvedAgent } from './resolved-agent';
import { routeLine, type LineOverride } from './routing';

/** The agents the configuration file defines, and `default` (derived from the deployment's settings unless defined). */
export function fileAgents(config: Config): FileAgent[] {
  const agents: FileAgent[] = config.agents.map((definition) => ({ definition, source: 'file' }));
  if (!config.agents.some((a) => a.id === DEFAULT_AGENT_ID))
    agents.push({ definition: defaultAgentFrom(config), source: 'default' });
  return agents;
}

export interface StoredAgentDirectoryOptions {
  /** How long a read from the store is reused: another process's change is seen after at most this long. */
  cacheMs?: number;
  now?: () => number;
}

/** Reads are reused this long: an edit in another process (the operator API in the gateway) shows within a second. */
const DEFAULT_CACHE_MS = 1_000;
/** Pinned versions never change; this many are kept in memory. */
const MAX_PINNED = 500;

/**
 * The live agents of a process, from the store (`AgentStore`): each configuration the process loads
 * is first synced into the store (the file's agents become versions when their definition changed),
 * then agents and the operator's line settings are read with a short cache. Current versions can
 * change at any time; a pinned version (`get(id, n)`) never does.
 */
export class StoredAgentDirectory implements AgentDirectory {
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly recent = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly pinned = new Map<string, Promise<AgentVersion | undefined>>();
  private synced?: { config: Config; done: Promise<void> };

  constructor(
    private readonly store: AgentStore,
    private readonly config: ConfigStore,
    options: StoredAgentDirectoryOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Brings the configuration's agents into the store, once per configuration this process loads. */
  sync(): Promise<void> {
    const config = this.config.get();
    if (this.synced?.config !== config) {
      const done = this.store.syncFromConfig(fileAgents(config)).then(
        () => this.recent.clear(),
        (error: unknown) => {
          // Tried again at the next lookup.
          if (this.synced?.config === config) this.synced = undefined;
          throw error;
        },
      );
      this.synced = { config, done };
    }
    return this.synced.done;
  }

  /** Forgets what was read: this process just changed the store (the operator API). */
  invalidate(): void {
    this.recent.clear();
  }

  async forLine(accountSid: string, address: string, kind: 'voice' | 'messaging'): Promise<LineAgent> {
    await this.sync();
    const account = this.config.get().twilio.accounts.find((a) => a.accountSid === accountSid);
    const override = await this.lineOverride(accountSid, address);
    const route = account ? routeLine(account, address, kind, override) : { agentId: DEFAULT_AGENT_ID, enabled: true };
    const agent = (await this.get(route.agentId)) ?? (await this.get(DEFAULT_AGENT_ID));
    if (!agent) throw new Error(`no agent "${route.agentId}" and no default agent in the store`);
    return { route, agent };
  }

  async get(agentId: string, version?: number): Promise<ResolvedAgent | undefined> {
    await this.sync();
    const stored = version === undefined ? await this.current(agentId) : await this.pinnedVersion(agentId, version);
    return stored && resolveAgent(stored.definition, stored.version, this.config.get());
  }

  /** The operator's settings of a line; a WhatsApp sender without its own falls back to its number's. */
  async lineOverride(accountSid: string, address: string): Promise<LineOverride | undefined> {
    const own = await this.cached(`line:${accountSid}|${address}`, () => this.store.lineOverride(accountSid, address));
    if (own || !address.startsWith('whatsapp:')) return own;
    return this.lineOverride(accountSid, address.slice('whatsapp:'.length));
  }

  private current(agentId: string): Promise<AgentVersion | undefined> {
    return this.cached(`agent:${agentId}`, () => this.store.current(agentId));
  }

  private pinnedVersion(agentId: string, version: number): Promise<AgentVersion | undefined> {
    const key = `${agentId}:${version}`;
    let read = this.pinned.get(key);
    if (!read) {
      if (this.pinned.size >= MAX_PINNED) this.pinned.clear();
      read = this.store.version(agentId, version);
      this.pinned.set(key, read);
      // A failed or empty read is not kept: the version may be written a moment later.
      void read.then(
        (found) => found ?? this.pinned.delete(key),
        () => this.pinned.delete(key),
      );
    }
    return read;
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const hit = this.recent.get(key);
    if (hit && this.now() - hit.at < this.cacheMs) return hit.value as Promise<T>;
    const value = read();
    this.recent.set(key, { at: this.now(), value });
    void value.catch(() => this.recent.get(key)?.value === value && this.recent.delete(key));
    return value;
  }
}
