/**
 * Deleting a knowledge base, `delete-knowledge-base-<id>`: each document's own workflow deletes it
 * (or this one does, for a document whose workflow is not running), then whatever chunks are left
 * of the base, then the base's record. The gateway has already made the base and its documents
 * invisible before starting it.
 */
export const DELETE_KNOWLEDGE_BASE_WORKFLOW = 'deleteKnowledgeBaseWorkflow';

interface DeleteKnowledgeBaseInput {
  knowledgeBaseId: string;
  accountSid: string;
}

export interface DeleteKnowledgeBaseResult {
  knowledgeBaseId: string;
  documents: number;
  /** Chunks removed by the final sweep of the base (those of its documents went with each document). */
  chunksSwept: number;
}

export type DeleteKnowledgeBaseWorkflow = (input: DeleteKnowledgeBaseInput) => Promise<DeleteKnowledgeBaseResult>;

export function deleteKnowledgeBaseWorkflowId(knowledgeBaseId: string): string {
  return `delete-knowledge-base-${knowledgeBaseId}`;
}
