import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ConfigStore } from '../config/store';
import { documentLimits } from '../knowledge/bases/document-limits';
import { documentErrorStatus, readDocument } from '../knowledge/bases/document-content';
import { DocumentError } from '../knowledge/documents/errors';
import type { DocumentFiles } from '../knowledge/bases/document-files';
import { newDocumentId, type DocumentStore, type KnowledgeDocument } from '../knowledge/bases/document-store';
import type { KnowledgeBase, KnowledgeBaseStore } from '../knowledge/bases/knowledge-base-store';
import type { Logger } from '../observability/logger';
import { AccountSidKey } from '../temporal/search-attributes';
import { startUnlessRunning } from '../temporal/start-once';
import {
  DELETE_KNOWLEDGE_BASE_WORKFLOW,
  deleteKnowledgeBaseWorkflowId,
  type DeleteKnowledgeBaseWorkflow,
} from '../../workflows/delete-knowledge-base/contract';
import {
  INGEST_DOCUMENT_WORKFLOW,
  deleteDocumentSignal,
  ingestDocumentSignal,
  ingestDocumentWorkflowId,
  type IngestDocumentWorkflow,
} from '../../workflows/ingest-document/contract';
import { documentBody, documentSubmission, type DocumentSubmission } from './document-submission';
import { AccountQuery, ApiError, handle } from './operator-api';
import { ensureVisible, requireAdmin, scopedAccount, visibleAccounts } from './principal';

export interface KnowledgeRouteDeps {
  config: ConfigStore;
  temporal: Client;
  knowledgeBases: KnowledgeBaseStore;
  documents: DocumentStore;
  documentFiles: DocumentFiles;
  log: Logger;
}

const CreateBaseBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(2_000).default(''),
    accountSid: AccountQuery.shape.accountSid,
  })
  .strict();

const BaseId = z.string().regex(/^kb_[0-9a-f]{16}$/, 'must be a knowledge base id (kb_…)');
const DocumentId = z.string().regex(/^doc_[0-9a-f]{16}$/, 'must be a document id (doc_…)');

function baseJson(base: KnowledgeBase) {
  return { ...base, createdAt: base.createdAt.toISOString() };
}

function documentJson(doc: KnowledgeDocument) {
  return {
    ...doc,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
    ...(doc.ingestedAt ? { ingestedAt: doc.ingestedAt.toISOString() } : {}),
  };
}

function documentPath(doc: KnowledgeDocument): string {
  return `/api/knowledge-bases/${doc.knowledgeBaseId}/documents/${doc.id}`;
}

/** A path parameter checked against its id format (400 when malformed). */
function idParam(schema: z.ZodString, value: unknown, what: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(400, `${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/**
 * `/api/knowledge-bases` and their documents. Documents are checked here (type, size, text that can
 * be extracted) so a bad file is refused with its DocumentError code and nothing is stored; the
 * ingestion itself runs in the document's workflow (`ingest-document-<id>`), and deletions too.
 */
export function knowledgeRoutes(deps: KnowledgeRouteDeps): Router {
  const router = Router();
  const limits = () => documentLimits(deps.config.get());

  /**
   * The base of the path, in the account named or, when none is, in any account the operator sees;
   * 404 for another account's (as for an unknown id).
   */
  async function accountBase(req: Request, res: Response): Promise<KnowledgeBase> {
    const named = AccountQuery.parse(req.query).accountSid;
    const id = idParam(BaseId, req.params.id, 'knowledge base id');
    const accounts = named ? [scopedAccount(deps.config, res, named)] : visibleAccounts(deps.config, res);
    for (const accountSid of accounts) {
      const base = await deps.knowledgeBases.get(accountSid, id);
      if (base) {
        ensureVisible(res, base.accountSid, `knowledge base ${id}`);
        return base;
      }
    }
    throw new ApiError(404, `knowledge base ${id} not found`);
  }

  async function baseDocument(req: Request, res: Response): Promise<{ base: KnowledgeBase; doc: KnowledgeDocument }> {
    const base = await accountBase(req, res);
    const id = idParam(DocumentId, req.params.docId, 'document id');
    const doc = await deps.documents.get(base.accountSid, base.id, id);
    if (!doc) throw new ApiError(404, `document ${id} not found in knowledge base ${base.id}`);
    return { base, doc };
  }

  /** Hands the document to its workflow (started if it is not running). */
  async function tellWorkflow(
    doc: { id: string; accountSid: string },
    signal: SignalDefinition<[]>,
    summary: string,
  ): Promise<void> {
    await deps.temporal.workflow.signalWithStart<IngestDocumentWorkflow, []>(INGEST_DOCUMENT_WORKFLOW, {
      workflowId: ingestDocumentWorkflowId(doc.id),
      taskQueue: deps.config.get().temporal.taskQueue,
      args: [{ documentId: doc.id, accountSid: doc.accountSid }],
      signal,
      signalArgs: [],
      typedSearchAttributes: [{ key: AccountSidKey, value: doc.accountSid }],
      staticSummary: summary,
    });
  }

  /** Reads and checks a file as ingestion will: a DocumentError is the operator's 4xx. */
  async function checkedFile(submission: Extract<DocumentSubmission, { kind: 'file' }>, title = submission.title) {
    try {
      return await readDocument(
        submission.bytes,
        {
          ...(submission.contentType !== undefined ? { contentType: submission.contentType } : {}),
          ...(submission.filename !== undefined ? { fileName: submission.filename } : {}),
          ...(title !== undefined ? { title } : {}),
        },
        limits(),
      );
    } catch (error) {
      if (error instanceof DocumentError) throw new ApiError(documentErrorStatus(error), error.message, error.code);
      throw error;
    }
  }

  router.post(
    '/knowledge-bases',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const body = CreateBaseBody.parse(req.body ?? {});
      const named = body.accountSid ?? AccountQuery.parse(req.query).accountSid;
      const accountSid = scopedAccount(deps.config, res, named);
      const created = await deps.knowledgeBases.create({ accountSid, name: body.name, description: body.description });
      if (created === 'name-taken') throw new ApiError(409, `a knowledge base named "${body.name}" exists already`);
      res.status(201).location(`/api/knowledge-bases/${created.id}`).json(baseJson(created));
    }),
  );

  router.get(
    '/knowledge-bases',
    handle(deps.log, async (req, res) => {
      const accountSid = scopedAccount(deps.config, res, AccountQuery.parse(req.query).accountSid);
      res.json({ knowledgeBases: (await deps.knowledgeBases.list(accountSid)).map(baseJson) });
    }),
  );

  router.get(
    '/knowledge-bases/:id',
    handle(deps.log, async (req, res) => {
      res.json(baseJson(await accountBase(req, res)));
    }),
  );

  router.delete(
    '/knowledge-bases/:id',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const named = AccountQuery.parse(req.query).accountSid;
      const id = idParam(BaseId, req.params.id, 'knowledge base id');
      // One being deleted already is found too: a repeated DELETE makes sure its workflow runs.
      let base: Awaited<ReturnType<KnowledgeBaseStore['find']>>;
      for (const account of named ? [scopedAccount(deps.config, res, named)] : visibleAccounts(deps.config, res))
        base ??= await deps.knowledgeBases.find(account, id);
      if (!base) throw new ApiError(404, `knowledge base ${id} not found`);
      const accountSid = base.accountSid;
      ensureVisible(res, accountSid, `knowledge base ${id}`);
      // Invisible at once (the base and, in search, its documents); the workflow removes the rest.
      await deps.knowledgeBases.markDeleting(accountSid, id);
      await deps.documents.markBaseDeleting(id);
      const workflowId = deleteKnowledgeBaseWorkflowId(id);
      await startUnlessRunning<DeleteKnowledgeBaseWorkflow>(deps.temporal, {
        workflowType: DELETE_KNOWLEDGE_BASE_WORKFLOW,
        workflowId,
        taskQueue: deps.config.get().temporal.taskQueue,
        args: [{ knowledgeBaseId: id, accountSid }],
        searchAttributes: [{ key: AccountSidKey, value: accountSid }],
        staticSummary: `Delete knowledge base ${id} (${base.name})`,
      });
      deps.log.info({ knowledgeBaseId: id, accountSid }, 'knowledge base deletion started');
      res.status(202).json({ id, status: 'deleting', workflowId });
    }),
  );

  router.post(
    '/knowledge-bases/:id/documents',
    requireAdmin,
    documentBody(() => limits().maxBytes),
    handle(deps.log, async (req, res) => {
      const base = await accountBase(req, res);
      const submission = documentSubmission(req);
      const id = newDocumentId();
      const owner = { id, knowledgeBaseId: base.id, accountSid: base.accountSid };
      let doc: KnowledgeDocument;
      if (submission.kind === 'url') {
        doc = await deps.documents.create({
          ...owner,
          title: submission.title ?? submission.url,
          autoTitle: submission.title === undefined,
          source: 'url',
          url: submission.url,
          ...(submission.refreshEvery !== undefined ? { refreshEvery: submission.refreshEvery } : {}),
        });
      } else {
        const content = await checkedFile(submission);
        const filename = submission.filename ?? `${id}`;
        const blobId = await deps.documentFiles.save(
          { accountSid: base.accountSid, knowledgeBaseId: base.id, documentId: id },
          filename,
          submission.bytes,
          content.contentType,
        );
        doc = await deps.documents.create({
          ...owner,
          title: content.title,
          autoTitle: submission.title === undefined,
          source: 'upload',
          ...(submission.filename !== undefined ? { filename: submission.filename } : {}),
          blobId,
          contentType: content.contentType,
          bytes: content.bytes,
          contentHash: content.contentHash,
        });
      }
      try {
        await tellWorkflow(doc, ingestDocumentSignal, `Ingest document ${doc.id} (${doc.title})`);
      } catch (error) {
        // Not handed over: nothing of it stays, so the operator's retry starts clean.
        await deps.documentFiles.deleteOfDocument(doc.id).catch(() => undefined);
        await deps.documents.remove(doc.id).catch(() => undefined);
        throw error;
      }
      deps.log.info(
        { documentId: doc.id, knowledgeBaseId: base.id, source: doc.source },
        'document queued for ingestion',
      );
      res.status(202).location(documentPath(doc)).json(documentJson(doc));
    }),
  );

  router.put(
    '/knowledge-bases/:id/documents/:docId',
    requireAdmin,
    documentBody(() => limits().maxBytes),
    handle(deps.log, async (req, res) => {
      const { base, doc } = await baseDocument(req, res);
      const submission = documentSubmission(req);
      if (submission.kind !== 'file' || doc.source !== 'upload')
        throw new ApiError(
          409,
          doc.source === 'url'
            ? 'a URL document is replaced by fetching it again: POST …/refresh'
            : 'an uploaded document is replaced by uploading a file',
        );
      // Read as ingestion will: under the operator's title, given now or before.
      const autoTitle = (await deps.documents.forIngestion(doc.id))?.autoTitle ?? false;
      const content = await checkedFile(submission, submission.title ?? (autoTitle ? undefined : doc.title));
      if (doc.version > 0 && content.contentHash === doc.contentHash && submission.title === undefined) {
        res.json({ ...documentJson(doc), unchanged: true });
        return;
      }
      const blobId = await deps.documentFiles.save(
        { accountSid: base.accountSid, knowledgeBaseId: base.id, documentId: doc.id },
        submission.filename ?? doc.filename ?? doc.id,
        submission.bytes,
        content.contentType,
      );
      const replaced = await deps.documents.replaceUpload(doc.id, {
        blobId,
        ...(submission.filename !== undefined ? { filename: submission.filename } : {}),
        ...(submission.title !== undefined ? { title: submission.title } : {}),
      });
      if (!replaced) {
        await deps.documentFiles.delete(blobId);
        throw new ApiError(404, `document ${doc.id} not found in knowledge base ${base.id}`);
      }
      await ingestAndAnswer(res, base, doc);
    }),
  );

  /** Tells the document's workflow to ingest it, then answers 202 with the document as now queued. */
  async function ingestAndAnswer(res: Response, base: KnowledgeBase, doc: KnowledgeDocument): Promise<void> {
    await tellWorkflow(doc, ingestDocumentSignal, `Ingest document ${doc.id} (${doc.title})`);
    const queued = await deps.documents.get(base.accountSid, base.id, doc.id);
    res
      .status(202)
      .location(documentPath(doc))
      .json(documentJson(queued ?? doc));
  }

  router.get(
    '/knowledge-bases/:id/documents',
    handle(deps.log, async (req, res) => {
      const base = await accountBase(req, res);
      res.json({ documents: (await deps.documents.list(base.accountSid, base.id)).map(documentJson) });
    }),
  );

  router.get(
    '/knowledge-bases/:id/documents/:docId',
    handle(deps.log, async (req, res) => {
      res.json(documentJson((await baseDocument(req, res)).doc));
    }),
  );

  router.post(
    '/knowledge-bases/:id/documents/:docId/refresh',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const { base, doc } = await baseDocument(req, res);
      if (!(await deps.documents.requeue(doc.id))) throw new ApiError(404, `document ${doc.id} not found`);
      await ingestAndAnswer(res, base, doc);
    }),
  );

  router.delete(
    '/knowledge-bases/:id/documents/:docId',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const base = await accountBase(req, res);
      const id = idParam(DocumentId, req.params.docId, 'document id');
      // One being deleted already is found too: a repeated DELETE makes sure its workflow is told.
      const doc = await deps.documents.forIngestion(id);
      if (!doc || doc.accountSid !== base.accountSid || doc.knowledgeBaseId !== base.id)
        throw new ApiError(404, `document ${id} not found in knowledge base ${base.id}`);
      // Invisible to reads and search from here on; its workflow removes chunks, bytes and record.
      await deps.documents.markDeleting(base.accountSid, base.id, id);
      await tellWorkflow(doc, deleteDocumentSignal, `Delete document ${id} (${doc.title})`);
      deps.log.info({ documentId: id, knowledgeBaseId: base.id }, 'document deletion started');
      res.status(202).json({ id, status: 'deleting', workflowId: ingestDocumentWorkflowId(id) });
    }),
  );

  return router;
}
