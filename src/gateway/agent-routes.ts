import { Router, type Response } from 'express';
import { z } from 'zod';
import { userMessage } from '../agent/chat-items';
import type { AgentModels } from '../agents/agent-models';
import type { AgentStore } from '../agents/agent-store';
import { externalToolOffer } from '../agents/external-tool-offer';
import { modelToolSpecs, toolSpecsFor } from '../agents/tools/offering';
import { AgentDefinitionSchema, AgentId, agentToolReferences, type AgentVersion } from '../agents/definition';
import { agentSystemPrompt } from '../agents/resolved-agent';
import type { StoredAgentDirectory } from '../agents/stored-agent-directory';
import { agentDefinitionProblems } from '../agents/validate';
import { LineAddress, MessagingSwitchSchema, VoiceSwitchSchema } from '../config/schema';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { AccountQuery, ApiError, handle } from './operator-api';
import { requireAdmin, scopedAccount } from './principal';

export interface AgentRouteDeps {
  config: ConfigStore;
  agentStore: AgentStore;
  agents: StoredAgentDirectory;
  models: AgentModels;
  log: Logger;
}

const DryRunBody = z
  .object({
    message: z.string().trim().min(1).max(4_000),
    channel: z.enum(['voice', 'sms', 'whatsapp', 'conversations']).default('sms'),
  })
  .strict();

/** The operator's settings of one line; what it leaves out comes from the config file (then the account). */
const LineBody = z
  .object({
    agent: AgentId.optional(),
    voice: VoiceSwitchSchema.optional(),
    messaging: MessagingSwitchSchema.optional(),
  })
  .strict();

function versionJson(v: AgentVersion) {
  return {
    agentId: v.agentId,
    version: v.version,
    source: v.source,
    createdAt: v.createdAt.toISOString(),
    definition: v.definition,
  };
}

/** 400 with the fields at fault, in the shape `handle` gives a ZodError. */
function invalid(res: Response, error: string, issues: Array<{ path: string; message: string }>): void {
  res.status(400).json({ error, issues });
}

function agentIdParam(value: unknown): string {
  const id = AgentId.safeParse(value);
  if (!id.success) throw new ApiError(400, `agent id: ${id.error.issues[0]?.message ?? 'invalid'}`);
  return id.data;
}

/**
 * `/api/agents` (list, get, versions, create/update, dry run) and `/api/lines/:address` (an
 * operator's agent and switches for one line). Every change is a new stored version; calls in
 * progress keep the version they started with.
 */
export function agentRoutes(deps: AgentRouteDeps): Router {
  const router = Router();

  router.get(
    '/agents',
    handle(deps.log, async (_req, res) => {
      await deps.agents.sync();
      const agents = await deps.agentStore.list();
      res.json({
        agents: agents.map((v) => ({
          agentId: v.agentId,
          name: v.definition.name,
          version: v.version,
          source: v.source,
          createdAt: v.createdAt.toISOString(),
        })),
      });
    }),
  );

  router.get(
    '/agents/:id',
    handle(deps.log, async (req, res) => {
      const agentId = agentIdParam(req.params.id);
      await deps.agents.sync();
      const current = await deps.agentStore.current(agentId);
      if (!current) throw new ApiError(404, `no agent "${agentId}"`);
      res.json(versionJson(current));
    }),
  );

  router.get(
    '/agents/:id/versions',
    handle(deps.log, async (req, res) => {
      const agentId = agentIdParam(req.params.id);
      await deps.agents.sync();
      const versions = await deps.agentStore.versions(agentId);
      if (versions.length === 0) throw new ApiError(404, `no agent "${agentId}"`);
      res.json({ agentId, versions: versions.map(versionJson) });
    }),
  );

  router.get(
    '/agents/:id/versions/:n',
    handle(deps.log, async (req, res) => {
      const agentId = agentIdParam(req.params.id);
      const n = Number(req.params.n);
      if (!Number.isInteger(n) || n < 1) throw new ApiError(400, 'version: a whole number from 1');
      const version = await deps.agentStore.version(agentId, n);
      if (!version) throw new ApiError(404, `agent "${agentId}" has no version ${n}`);
      res.json(versionJson(version));
    }),
  );

  router.put(
    '/agents/:id',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const agentId = agentIdParam(req.params.id);
      const body: unknown = req.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new ApiError(400, 'the body must be an agent definition (a JSON object)');
      const given = (body as { id?: unknown }).id;
      if (given !== undefined && given !== agentId)
        return invalid(res, 'invalid agent', [{ path: 'id', message: `must be "${agentId}" (the id in the URL)` }]);
      const definition = AgentDefinitionSchema.parse({ ...body, id: agentId });
      const problems = agentDefinitionProblems(definition, deps.config.get());
      if (problems.length > 0)
        return invalid(
          res,
          'invalid agent',
          problems.map((p) => ({ path: p.path.join('.'), message: p.message })),
        );
      await deps.agents.sync();
      const { version, created } = await deps.agentStore.save(definition);
      deps.agents.invalidate();
      deps.log.info({ agentId, version: version.version, created }, 'agent saved through the operator API');
      res.status(created ? 201 : 200).json({ ...versionJson(version), created });
    }),
  );

  router.post(
    '/agents/:id/test',
    handle(deps.log, async (req, res) => {
      const agentId = agentIdParam(req.params.id);
      const { message, channel } = DryRunBody.parse(req.body ?? {});
      const agent = await deps.agents.get(agentId);
      if (!agent) throw new ApiError(404, `no agent "${agentId}"`);
      const use = channel === 'voice' ? 'voice' : 'messaging';
      const model = deps.models.for(agent.model, use);
      if (!model) throw new ApiError(503, `agent "${agentId}": its model (${agent.model.provider}) has no credentials`);
      const system = agentSystemPrompt(agent, channel, { now: new Date() });
      // One model call, nothing else: no tool is run, nothing is stored or sent.
      let reply;
      try {
        // HTTP tools are offered as on a live conversation; MCP servers are listed by the workers only.
        const external = await externalToolOffer(agentToolReferences(agent.definition), deps.config.get());
        reply = await model.complete({
          system,
          items: [userMessage(message)],
          tools: modelToolSpecs(toolSpecsFor(agent.definition, use, { callerVerified: true, extra: external.tools })),
        });
      } catch (error) {
        deps.log.warn({ err: error, agentId }, 'agent dry run: the model failed');
        throw new ApiError(502, `the model failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      res.json({
        agentId,
        version: agent.version,
        channel,
        system,
        reply: reply.text,
        toolCalls: reply.toolCalls.map((c) => ({ name: c.name, input: c.input })),
      });
    }),
  );

  async function lineView(accountSid: string, address: string) {
    const [voice, messaging, override] = await Promise.all([
      deps.agents.forLine(accountSid, address, 'voice'),
      deps.agents.forLine(accountSid, address, 'messaging'),
      deps.agentStore.lineOverride(accountSid, address),
    ]);
    const account = deps.config.get().twilio.accounts.find((a) => a.accountSid === accountSid);
    const line = account?.lines.find((l) => l.address === address);
    return {
      accountSid,
      address,
      ...(override ? { override } : {}),
      ...(line ? { file: line } : {}),
      effective: {
        voice: { ...voice.route, agentVersion: voice.agent.version },
        messaging: { ...messaging.route, agentVersion: messaging.agent.version },
      },
    };
  }

  function lineParams(req: { params: Record<string, string | string[]>; query: unknown }, res: Response) {
    const address = LineAddress.safeParse(String(req.params.address).trim());
    if (!address.success) throw new ApiError(400, `address: ${address.error.issues[0]?.message ?? 'invalid'}`);
    const accountSid = scopedAccount(deps.config, res, AccountQuery.parse(req.query).accountSid);
    return { accountSid, address: address.data };
  }

  router.get(
    '/lines/:address',
    handle(deps.log, async (req, res) => {
      const { accountSid, address } = lineParams(req, res);
      res.json(await lineView(accountSid, address));
    }),
  );

  router.put(
    '/lines/:address',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const { accountSid, address } = lineParams(req, res);
      const override = LineBody.parse(req.body ?? {});
      if (override.agent && !(await deps.agents.get(override.agent)))
        return invalid(res, 'invalid line', [{ path: 'agent', message: `no agent "${override.agent}"` }]);
      await deps.agentStore.setLineOverride(accountSid, address, override);
      deps.agents.invalidate();
      deps.log.info({ accountSid, address, override }, 'line settings changed through the operator API');
      res.json(await lineView(accountSid, address));
    }),
  );

  router.delete(
    '/lines/:address',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const { accountSid, address } = lineParams(req, res);
      await deps.agentStore.clearLineOverride(accountSid, address);
      deps.agents.invalidate();
      res.json(await lineView(accountSid, address));
    }),
  );

  return router;
}
