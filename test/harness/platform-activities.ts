import { SideEffectLedger } from '../../src/storage/side-effects';
import { createPlatformActivities } from '../../activities/platform';
import { AgentStore } from '../../src/agents/agent-store';
import { StoredAgentDirectory } from '../../src/agents/stored-agent-directory';
import { IdentityStore } from '../../src/customers/identity-store';
import type { BelugaEvent } from '../../src/events/catalog';
import { EventDispatcher } from '../../src/events/dispatcher';
import { EventLog } from '../../src/events/event-log';
import { ConsentStore } from '../../src/messaging/consent-store';
import { CustomerMemoryStore } from '../../src/memory/customer-memory';
import { MessageStore } from '../../src/memory/message-store';
import { createLogger } from '../../src/observability/logger';
import { registeredWorkflowTypes } from '../../src/orchestrator/workflow-types';
import { TwilioAccounts } from '../../src/telephony/twilio/accounts';
import type { TestSystem } from './system';

/** What the platform activities depend on, built on the test system's real config, Twilio and stores. */
export function platformDepsOf(system: TestSystem) {
  const events = new EventLog(system.db);
  const dispatcher = new EventDispatcher({
    temporal: system.temporal,
    events,
    config: system.config,
    log: createLogger('test', 'silent'),
    knownWorkflows: registeredWorkflowTypes(),
  });
  return {
    config: () => system.config.get(),
    twilio: new TwilioAccounts(system.config),
    events,
    publish: (event: BelugaEvent) => dispatcher.publish(event),
    identities: new IdentityStore(system.db),
    messages: new MessageStore(system.db),
    memory: new CustomerMemoryStore(system.db),
    consent: new ConsentStore(system.db),
    chatModel: () => undefined,
    agents: new StoredAgentDirectory(new AgentStore(system.db), system.config),
    sideEffects: new SideEffectLedger(system.db),
    knowledge: system.knowledge,
  };
}

/** The platform activities (as a user workflow calls them) on the test system. */
export function platformActivitiesOf(system: TestSystem) {
  return createPlatformActivities(platformDepsOf(system));
}
