import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/load';
import { GATEWAY_WHEN_DOWN } from '../../src/gateway/health';
import { overallStatus } from '../../src/health/status';
import { knowledgeCheck } from '../../src/knowledge/health-check';
import { openKnowledge, type Knowledge } from '../../src/knowledge/knowledge';
import { ORCHESTRATOR_WHEN_DOWN } from '../../src/orchestrator/health';
import { synonymEmbedder } from './synonym-embedder';

const log = pino({ level: 'silent' });
let dir: string;
let knowledge: Knowledge | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knowledge-health-'));
});
afterEach(async () => {
  await knowledge?.close();
  knowledge = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const config = () => loadConfig({ KNOWLEDGE_STORE_URI: dir }).knowledge;

test('lexical only is ok and says so; with a provider it names it and counts chunks', async () => {
  knowledge = await openKnowledge(config(), { log });
  expect(await knowledgeCheck(knowledge)).toEqual({
    status: 'ok',
    detail: 'store reachable (0 chunks); lexical only: no embedding provider configured (KNOWLEDGE_EMBEDDINGS)',
  });
  await knowledge.close();
  knowledge = await openKnowledge(config(), { log, embeddings: synonymEmbedder(32) });
  await knowledge.indexChunks([
    {
      id: 'c1',
      accountSid: 'AC' + '1'.repeat(32),
      customerId: 'cust',
      text: 'hello',
      title: 'SMS',
      source: { kind: 'message', messageId: 'm1', direction: 'inbound', at: '2026-11-01T00:00:00Z' },
      at: '2026-11-01T00:00:00Z',
    },
  ]);
  expect(await knowledgeCheck(knowledge)).toEqual({
    status: 'ok',
    detail: 'store reachable (1 chunks); hybrid search with test:synonyms-32 (32 dimensions)',
  });
});

test('an unreadable store is down, which degrades the gateway and orchestrator but does not take them out', async () => {
  knowledge = await openKnowledge(config(), { log });
  await knowledge.indexChunks([
    {
      id: 'd1',
      accountSid: 'AC' + '1'.repeat(32),
      knowledgeBaseId: 'kb',
      text: 'x',
      title: 'Doc',
      source: { kind: 'document', knowledgeBaseId: 'kb', documentId: 'd', title: 'Doc', position: 0 },
      at: '2026-11-01T00:00:00Z',
    },
  ]);
  // The disk under the store goes away.
  fs.rmSync(dir, { recursive: true, force: true });
  const check = await knowledgeCheck(knowledge);
  expect(check.status).toBe('down');
  expect(check.detail).not.toBe('');
  expect(overallStatus({ knowledge: check }, GATEWAY_WHEN_DOWN)).toBe('degraded');
  expect(overallStatus({ knowledge: check }, ORCHESTRATOR_WHEN_DOWN)).toBe('degraded');
});
