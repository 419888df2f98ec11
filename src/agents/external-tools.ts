/**
 * Tools declared in configuration, without code: HTTP endpoints and MCP servers (`tools.http`,
 * `tools.mcpServers`). Secrets never sit in the file: a header value may name an environment variable
 * as `${env:NAME}`, read when the tool runs.
 */
import { z } from 'zod';

/** Names the model sees: letters, digits, _ and - (what both Anthropic and OpenAI accept), at most 64. */
const ToolName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only, at most 64');

const headerValues = z
  .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name'), z.string())
  .default({});

/** The JSON Schema of a tool's input, as the model is given it (an object at the top). */
const InputJsonSchema = z
  .object({
    type: z.literal('object'),
    properties: z.record(z.string(), z.unknown()).default({}),
    required: z.array(z.string()).optional(),
  })
  .loose();

const HttpToolSchema = z
  .object({
    name: ToolName,
    description: z.string().trim().min(1).max(2_000),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    /** `{{field}}` is replaced by the URL-encoded input field (`https://crm.example/orders/{{orderId}}`). */
    url: z
      .string()
      .min(1)
      .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://'),
    /** Values may contain `${env:NAME}`, replaced from the environment when the tool runs. */
    headers: headerValues,
    input: InputJsonSchema.prefault({ type: 'object' }),
    timeoutMs: z.coerce.number().int().min(100).max(60_000).default(5_000),
    /** Dot paths of the JSON response the model sees (`order.status`); default: the whole response. */
    responseFields: z.array(z.string().min(1)).optional(),
    /** The response the model sees is cut to this many bytes. */
    maxResponseBytes: z.coerce.number().int().min(64).max(1_000_000).default(16_384),
    /** Safe to repeat: retried on failure. Default: true for GET, PUT and DELETE. */
    idempotent: z.boolean().optional(),
    /** Said on a call while it runs (default: the agent's filler). */
    filler: z.string().trim().min(1).optional(),
  })
  .strict();
export type HttpTool = z.infer<typeof HttpToolSchema>;

const McpServerSchema = z
  .object({
    /** Agents name it as `mcp:<name>` or `mcp:<name>/<tool>`. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, - and _ only, at most 32'),
    /** The server's streamable-HTTP endpoint. */
    url: z.url({ protocol: /^https?$/ }),
    headers: headerValues,
    timeoutMs: z.coerce.number().int().min(100).max(60_000).default(10_000),
  })
  .strict();
export type McpServer = z.infer<typeof McpServerSchema>;

export const ExternalToolsSchema = z.object({
  http: z.array(HttpToolSchema).default([]),
  mcpServers: z.array(McpServerSchema).default([]),
});

const ENV_REFERENCE = /\$\{env:([A-Z_][A-Z0-9_]*)\}/g;

/** Headers with `${env:NAME}` filled in; a missing variable is an error naming it (never its value). */
export function resolveHeaders(
  headers: Record<string, string>,
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers))
    out[key] = value.replace(ENV_REFERENCE, (_m, name: string) => {
      const found = env[name];
      if (found === undefined)
        throw new Error(`header ${key} needs the environment variable ${name}, which is not set`);
      return found;
    });
  return out;
}
