import type { Knowledge } from '../knowledge/knowledge';
import { attemptBudgetInterceptor } from '../temporal/attempt-budget';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { McpCatalogue } from '../agents/mcp-tools';
import type { ConfigStore } from '../config/store';
import { EventDispatcher } from '../events/dispatcher';
import type { Logger } from '../observability/logger';
import type { Stores } from '../storage/stores';
import { registeredWorkflowTypes } from './workflow-types';
import { AgentModels } from '../agents/agent-models';
import { defaultAgentModel } from '../agents/default-agent';
import { TwilioAccounts } from '../telephony/twilio/accounts';
import { StoredAgentDirectory } from '../agents/stored-agent-directory';
import { startUnlessRunning } from '../temporal/start-once';
import {
  RECORDING_RETENTION_WORKFLOW,
  recordingRetentionWorkflowId,
  type RecordingRetentionWorkflow,
} from '../../workflows/recording-retention/contract';

export interface OrchestratorDeps {
  config: ConfigStore;
  connection: NativeConnection;
  /** For starting workflows from activities (event routing). */
  client: Client;
  log: Logger;
  stores: Stores;
  /** The process's knowledge store: indexing activities write it, retrieval reads it (the caller closes it). */
  knowledge: Knowledge;
  /** The process's MCP connections and tool lists (the caller closes it when the worker stops). */
  mcp: McpCatalogue;
  /** Pre-bundled workflow code (tests bundle once per file); otherwise the worker bundles workflows/. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Pause between recording-retention sweeps (default an hour); applies when that workflow is first started. */
  recordingRetentionSweepMs?: number;
}

const HOUR_MS = 60 * 60 * 1000;

/** Workflow interceptors every orchestrator runs (bundlers must include them too). */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../../workflows/interceptors')];

/** The worker that runs every workflow and activity of the platform. */
export async function createOrchestratorWorker(deps: OrchestratorDeps): Promise<Worker> {
  const { stores } = deps;
  await stores.ensureIndexes();
  await stores.migrate({ defaultAccountSid: deps.config.get().twilio.accounts[0]?.accountSid });
  const dispatcher = new EventDispatcher({
    temporal: deps.client,
    events: stores.events,
    config: deps.config,
    log: deps.log,
    knownWorkflows: registeredWorkflowTypes(),
  });
  const agents = new StoredAgentDirectory(stores.agents, deps.config);
  // The file's agents are in the store before the first message or call needs them, and an edited
  // file's agents as soon as it is reloaded (every process also syncs lazily before its next lookup).
  await agents.sync();
  deps.config.onChange(() =>
    agents.sync().catch((error: unknown) => deps.log.error({ err: error }, 'could not sync the agents into the store')),
  );
  const models = new AgentModels(deps.config);
  const activities = createActivities({
    deliveryStatus: stores.deliveryStatus,
    consent: stores.consent,
    identities: stores.identities,
    events: stores.events,
    publish: (event) => dispatcher.publish(event),
    webhookLog: stores.webhookLog,
    calls: stores.calls,
    log: deps.log,
    config: () => deps.config.get(),
    messages: stores.messages,
    memory: stores.memory,
    twilio: new TwilioAccounts(deps.config),
    // The default agent's model answers messages (and askAgent, summaries) until lines are routed to agents.
    chatModel: () => models.for(defaultAgentModel(deps.config.get()), 'messaging'),
    conversations: stores.conversations,
    verifications: stores.verifications,
    customerRecords: stores.customerRecords,
    agents,
    sideEffects: stores.sideEffects,
    agentModels: models,
    mcp: deps.mcp,
    knowledge: deps.knowledge,
    knowledgeBases: stores.knowledgeBases,
    documents: stores.documents,
    documentFiles: stores.documentFiles,
    takeovers: stores.takeovers,
  });
  const { namespace, taskQueue } = deps.config.get().temporal;
  const worker = await Worker.create({
    connection: deps.connection,
    namespace,
    taskQueue,
    activities,
    // A prebuilt bundle carries its workflow interceptors (bundleWorkflowCode's workflowInterceptorModules).
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle, interceptors: { activity: [attemptBudgetInterceptor] } }
      : {
          workflowsPath: require.resolve('../../workflows'),
          interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES, activity: [attemptBudgetInterceptor] },
        }),
  });
  // Always running, also while retention is off: the setting is read live at each sweep.
  await startUnlessRunning<RecordingRetentionWorkflow>(deps.client, {
    workflowType: RECORDING_RETENTION_WORKFLOW,
    workflowId: recordingRetentionWorkflowId(taskQueue),
    taskQueue,
    args: [{ sweepEveryMs: deps.recordingRetentionSweepMs ?? HOUR_MS }],
    staticSummary: 'Deletes call recordings older than voice.recordingRetentionDays at Twilio',
  });
  return worker;
}
