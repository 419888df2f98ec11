import type { Db } from 'mongodb';
import { AgentStore } from '../agents/agent-store';
import { ConversationStore } from '../conversations/conversation-store';
import { CustomerRecords } from '../customers/customer-records';
import { IdentityStore } from '../customers/identity-store';
import { VerificationStore } from '../customers/verification-store';
import { EventLog } from '../events/event-log';
import { CustomerMemoryStore } from '../memory/customer-memory';
import { MessageStore } from '../memory/message-store';
import { DeliveryStatusStore } from '../messaging/delivery-status';
import { ConsentStore } from '../messaging/consent-store';
import { CallStore } from '../voice/call-store';
import { WebhookDeliveryLog } from '../webhooks/delivery-log';
import { WebhookInbox } from '../inbox/webhook-inbox';
import { DocumentFiles } from '../knowledge/bases/document-files';
import { DocumentStore } from '../knowledge/bases/document-store';
import { KnowledgeBaseStore } from '../knowledge/bases/knowledge-base-store';
import { runMigrations } from './migrations/runner';
import { SideEffectLedger } from './side-effects';
import { TakeoverStore } from '../takeover/takeover-store';

/** Every MongoDB-backed store, built once per process by its entry point and handed down narrowly. */
export interface Stores {
  identities: IdentityStore;
  messages: MessageStore;
  memory: CustomerMemoryStore;
  deliveryStatus: DeliveryStatusStore;
  consent: ConsentStore;
  events: EventLog;
  webhookLog: WebhookDeliveryLog;
  /** Twilio webhooks acknowledged while Temporal was out of reach, until the gateway's relay hands them over. */
  webhookInbox: WebhookInbox;
  calls: CallStore;
  conversations: ConversationStore;
  /** One-time codes that confirm a caller's number (voice verification tools). */
  verifications: VerificationStore;
  /** A customer's records across collections: the operator's export and forgetting. */
  customerRecords: CustomerRecords;
  /** Every version of every agent, and the operator's line settings (src/agents/). */
  agents: AgentStore;
  /** Side effects a provider cannot deduplicate (pages, placed calls), recorded before and after acting. */
  sideEffects: SideEffectLedger;
  /** Knowledge bases, their documents (metadata and ingestion status) and uploaded bytes; chunks live in the chunk index. */
  knowledgeBases: KnowledgeBaseStore;
  documents: DocumentStore;
  documentFiles: DocumentFiles;
  /** Who answers each customer: the agent, or a person (human takeover); written by the customer workflow only. */
  takeovers: TakeoverStore;
  /** Creates the indexes the stores' queries rely on (idempotent; the orchestrator runs it at start). */
  ensureIndexes(): Promise<void>;
  /**
   * Brings data written by earlier releases up to date (`src/storage/migrations/`), once per database;
   * safe to run from several processes at once. Returns the migrations this call ran.
   */
  migrate(context: { defaultAccountSid: string | undefined }): Promise<string[]>;
}

export function createStores(db: Db): Stores {
  const messages = new MessageStore(db);
  const memory = new CustomerMemoryStore(db);
  const stores = {
    identities: new IdentityStore(db),
    messages,
    memory,
    deliveryStatus: new DeliveryStatusStore(db),
    consent: new ConsentStore(db),
    events: new EventLog(db),
    webhookLog: new WebhookDeliveryLog(db),
    webhookInbox: new WebhookInbox(db),
    calls: new CallStore(db),
    // Creates its own indexes on first use.
    conversations: new ConversationStore(db),
    verifications: new VerificationStore(db),
    customerRecords: new CustomerRecords(db, messages, memory),
    agents: new AgentStore(db),
    sideEffects: new SideEffectLedger(db),
    knowledgeBases: new KnowledgeBaseStore(db),
    documents: new DocumentStore(db),
    documentFiles: new DocumentFiles(db),
    takeovers: new TakeoverStore(db),
  };
  return {
    ...stores,
    async ensureIndexes() {
      await Promise.all([
        stores.messages.ensureIndexes(),
        stores.events.ensureIndexes(),
        stores.deliveryStatus.ensureIndexes(),
        stores.consent.ensureIndexes(),
        stores.webhookLog.ensureIndexes(),
        stores.webhookInbox.ensureIndexes(),
        stores.calls.ensureIndexes(),
        stores.verifications.ensureIndexes(),
        stores.agents.ensureIndexes(),
        stores.knowledgeBases.ensureIndexes(),
        stores.documents.ensureIndexes(),
        stores.takeovers.ensureIndexes(),
      ]);
    },
    migrate: (context) => runMigrations(db, context),
  };
}
