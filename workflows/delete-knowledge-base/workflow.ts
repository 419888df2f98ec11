import { getExternalWorkflowHandle, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { EVENT_STEP } from '../../src/temporal/retry-policies';
import { deleteDocumentSignal, ingestDocumentWorkflowId } from '../ingest-document/contract';
import type { DeleteKnowledgeBaseResult, DeleteKnowledgeBaseWorkflow } from './contract';

const { documentsInBase, purgeDocument, purgeKnowledgeBase } = proxyActivities<Activities>(EVENT_STEP);

/** Waits between checks for documents still being deleted by their own workflows: from 1 s, doubling to 30 s. */
const FIRST_WAIT_MS = 1_000;
const LONGEST_WAIT_MS = 30_000;

/**
 * A document whose workflow is running is deleted by it (after the ingestion it may be in the middle
 * of, so nothing it indexes outlives the deletion); any other document is deleted here. Then the
 * base's leftover chunks and its record go.
 */
export const deleteKnowledgeBaseWorkflow: DeleteKnowledgeBaseWorkflow = async ({ knowledgeBaseId, accountSid }) => {
  const documentIds = await documentsInBase({ knowledgeBaseId });
  for (const documentId of documentIds) {
    try {
      await getExternalWorkflowHandle(ingestDocumentWorkflowId(documentId)).signal(deleteDocumentSignal);
    } catch {
      // Not running: nothing can index it any more, so it is deleted here.
      await purgeDocument({ documentId, accountSid });
    }
  }
  for (let wait = FIRST_WAIT_MS; (await documentsInBase({ knowledgeBaseId })).length > 0;) {
    await sleep(wait);
    wait = Math.min(wait * 2, LONGEST_WAIT_MS);
  }
  const chunksSwept = await purgeKnowledgeBase({ knowledgeBaseId, accountSid });
  const result: DeleteKnowledgeBaseResult = { knowledgeBaseId, documents: documentIds.length, chunksSwept };
  return result;
};
