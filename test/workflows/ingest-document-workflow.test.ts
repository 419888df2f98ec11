import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Activities } from '../../activities';
import {
  INGEST_DOCUMENT_WORKFLOW,
  deleteDocumentSignal,
  ingestDocumentWorkflowId,
  type IngestDocumentWorkflow,
  type IngestionOutcome,
} from '../../workflows/ingest-document/contract';
import { eventually } from '../harness/system';
import { ActivityCalls, startStubbedWorker, type StubbedWorker } from '../harness/stubbed-worker';

type Input<K extends keyof Activities> = Parameters<Activities[K]>[0];

/**
 * ingestDocumentWorkflow with stubbed steps: a version becomes current only once fully indexed, a
 * failure removes what the failed version wrote (the current one stays), and a deletion asked for
 * during an ingestion runs after it, so nothing indexed outlives the document.
 */
describe('ingestDocumentWorkflow', () => {
  const calls = new ActivityCalls();
  let worker: StubbedWorker;
  /** What the next indexDocumentVersion does, per document. */
  const behaviour = new Map<string, () => Promise<IngestionOutcome>>();
  const activates = new Map<string, boolean>();

  const indexed: IngestionOutcome = {
    outcome: 'indexed',
    chunkCount: 3,
    contentHash: 'h1',
    contentType: 'text/markdown',
    bytes: 120,
    title: 'Shipping',
  };

  const stubs = {
    async indexDocumentVersion(input: Input<'indexDocumentVersion'>) {
      calls.record('indexDocumentVersion', input);
      return (behaviour.get(input.documentId) ?? (async () => indexed))();
    },
    async activateDocumentVersion(input: Input<'activateDocumentVersion'>) {
      calls.record('activateDocumentVersion', input);
      return activates.get(input.documentId) ?? true;
    },
    async removeStaleDocumentChunks(input: Input<'removeStaleDocumentChunks'>) {
      calls.record('removeStaleDocumentChunks', input);
      return 0;
    },
    async recordIngestionFailure(input: Input<'recordIngestionFailure'>) {
      calls.record('recordIngestionFailure', input);
    },
    async purgeDocument(input: Input<'purgeDocument'>) {
      calls.record('purgeDocument', input);
    },
  } satisfies Partial<Activities>;

  beforeAll(async () => {
    worker = await startStubbedWorker(stubs);
  });
  afterAll(async () => {
    await worker?.stop();
  });

  function start(documentId: string) {
    return worker.client.workflow.start<IngestDocumentWorkflow>(INGEST_DOCUMENT_WORKFLOW, {
      workflowId: ingestDocumentWorkflowId(documentId),
      taskQueue: worker.taskQueue,
      args: [{ documentId, accountSid: 'AC' + '1'.repeat(32) }],
    });
  }
  const names = (workflowId: string) => calls.of(workflowId).map((c) => c.name);

  it('activates the version it indexed, then removes every other version', async () => {
    const documentId = `doc_${randomUUID().slice(0, 8)}`;
    const handle = await start(documentId);
    expect(await handle.result()).toEqual({ documentId, last: 'indexed', deleted: false });
    expect(names(handle.workflowId)).toEqual([
      'indexDocumentVersion',
      'activateDocumentVersion',
      'removeStaleDocumentChunks',
    ]);
    const version = (calls.of(handle.workflowId, 'indexDocumentVersion')[0]!.input as { documentVersion: string })
      .documentVersion;
    expect(calls.of(handle.workflowId, 'activateDocumentVersion')[0]!.input).toMatchObject({
      documentVersion: version,
      chunkCount: 3,
    });
    expect(calls.of(handle.workflowId, 'removeStaleDocumentChunks')[0]!.input).toMatchObject({ keep: version });
  });

  it('never activates a version whose indexing failed, and removes what it wrote', async () => {
    const documentId = `doc_${randomUUID().slice(0, 8)}`;
    behaviour.set(documentId, async () => {
      throw ApplicationFailure.nonRetryable('the embedding provider refused', 'ProviderError');
    });
    const handle = await start(documentId);
    expect(await handle.result()).toEqual({ documentId, last: 'failed', deleted: false });
    expect(names(handle.workflowId)).toEqual(['indexDocumentVersion', 'recordIngestionFailure']);
    const failure = calls.of(handle.workflowId, 'recordIngestionFailure')[0]!.input as {
      code: string;
      message: string;
    };
    expect(failure.code).toBe('ingestion_failed');
    expect(failure.message).toContain('embedding provider refused');
  });

  it('removes the new version too when the document was deleted while it was indexed', async () => {
    const documentId = `doc_${randomUUID().slice(0, 8)}`;
    activates.set(documentId, false);
    const handle = await start(documentId);
    expect(await handle.result()).toEqual({ documentId, last: 'gone', deleted: false });
    const removal = calls.of(handle.workflowId, 'removeStaleDocumentChunks')[0]!.input as { keep?: string };
    expect(removal.keep).toBeUndefined();
  });

  it('deletes the document after the ingestion in progress, never during it', async () => {
    const documentId = `doc_${randomUUID().slice(0, 8)}`;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    behaviour.set(documentId, async () => {
      await released;
      return indexed;
    });
    const handle = await start(documentId);
    await eventually('the ingestion to start', () => calls.of(handle.workflowId, 'indexDocumentVersion').length > 0);
    await handle.signal(deleteDocumentSignal);
    release();
    expect(await handle.result()).toEqual({ documentId, last: 'indexed', deleted: true });
    expect(names(handle.workflowId)).toEqual([
      'indexDocumentVersion',
      'activateDocumentVersion',
      'removeStaleDocumentChunks',
      'purgeDocument',
    ]);
  });
});
