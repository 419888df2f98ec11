import {
  ActivityFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { DOCUMENT_INGESTION, EVENT_STEP } from '../../src/temporal/retry-policies';
import {
  deleteDocumentSignal,
  ingestDocumentSignal,
  type IngestDocumentInput,
  type IngestDocumentResult,
  type IngestDocumentWorkflow,
  type IngestionOutcome,
} from './contract';

const { indexDocumentVersion } = proxyActivities<Activities>(DOCUMENT_INGESTION);
const { activateDocumentVersion, removeStaleDocumentChunks, recordIngestionFailure, purgeDocument } =
  proxyActivities<Activities>(EVENT_STEP);

/** Ingestions per run before continuing as new (about 15 events each): keeps a long refresh loop's history small. */
const INGESTIONS_PER_RUN = 100;

/**
 * One document's ingestions and, at the end, its deletion (see the contract). Each ingestion writes
 * its chunks under a fresh version that search does not show (visible-hits.ts), makes it current
 * in MongoDB in one write, then removes every other version. A failure at any point leaves the
 * version indexed before as the searchable one, and its own chunks are removed.
 */
export async function ingestDocumentWorkflow(input: IngestDocumentInput): Promise<IngestDocumentResult> {
  const { documentId, accountSid } = input;
  let ingestAsked = input.carried?.ingest ?? true;
  let deleteAsked = input.carried?.delete ?? false;
  let refreshEverySeconds = input.carried?.refreshEverySeconds;
  let last: IngestionOutcome['outcome'] | undefined;
  setHandler(ingestDocumentSignal, () => {
    ingestAsked = true;
  });
  setHandler(deleteDocumentSignal, () => {
    deleteAsked = true;
  });

  for (let ingestions = 0; ;) {
    if (deleteAsked) {
      await purgeDocument({ documentId, accountSid });
      return { documentId, ...(last ? { last } : {}), deleted: true };
    }
    if (!ingestAsked) {
      // Uploads are done; URL documents wait for their next refresh (or a signal).
      if (refreshEverySeconds === undefined) return { documentId, ...(last ? { last } : {}), deleted: false };
      const signalled = await condition(() => ingestAsked || deleteAsked, refreshEverySeconds * 1000);
      if (!signalled) ingestAsked = true;
      continue;
    }
    if (ingestions >= INGESTIONS_PER_RUN || workflowInfo().continueAsNewSuggested)
      await continueAsNew<IngestDocumentWorkflow>({
        documentId,
        accountSid,
        carried: {
          ingest: ingestAsked,
          delete: deleteAsked,
          ...(refreshEverySeconds !== undefined ? { refreshEverySeconds } : {}),
        },
      });
    ingestAsked = false;
    ingestions++;
    const outcome = await ingestOnce(documentId, accountSid);
    last = outcome.outcome;
    if (outcome.outcome === 'gone') return { documentId, last, deleted: false };
    refreshEverySeconds = outcome.refreshEverySeconds;
  }
}
ingestDocumentWorkflow satisfies IngestDocumentWorkflow;

async function ingestOnce(documentId: string, accountSid: string): Promise<IngestionOutcome> {
  const documentVersion = uuid4();
  let outcome: IngestionOutcome;
  try {
    outcome = await indexDocumentVersion({ documentId, documentVersion });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // Out of attempts (the embedding provider or the store kept failing): whatever this version
    // wrote goes, the previous version stays.
    const message = error.cause?.message ?? error.message;
    await recordIngestionFailure({ documentId, accountSid, code: 'ingestion_failed', message });
    return { outcome: 'failed', code: 'ingestion_failed', message };
  }
  if (outcome.outcome === 'failed') {
    await recordIngestionFailure({ documentId, accountSid, code: outcome.code, message: outcome.message });
    return outcome;
  }
  if (outcome.outcome !== 'indexed') return outcome;
  const activated = await activateDocumentVersion({
    documentId,
    documentVersion,
    contentHash: outcome.contentHash,
    contentType: outcome.contentType,
    bytes: outcome.bytes,
    chunkCount: outcome.chunkCount,
    title: outcome.title,
  });
  // Activated: the other versions go. Not (deleted meanwhile): this one goes too, with the rest.
  await removeStaleDocumentChunks({ documentId, accountSid, ...(activated ? { keep: documentVersion } : {}) });
  return activated ? outcome : { outcome: 'gone' };
}
