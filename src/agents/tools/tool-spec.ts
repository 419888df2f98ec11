import { z } from 'zod';
import type { ToolSpec } from '../../agent/chat-model';
import type { AnyBuiltInTool } from './built-in-tool';

/**
 * The model's JSON Schema of a tool's input, generated from its zod schema: what the model may
 * send (io `input`: defaulted fields are optional), without the `$schema` key, an object at the top.
 */
export function inputJsonSchema(schema: z.ZodType, name: string): ToolSpec['inputSchema'] {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input' });
  if (json.type !== 'object') throw new Error(`the input of tool ${name} must be an object`);
  return { ...json, type: 'object', properties: json.properties ?? {} };
}

/** What the model is told about a built-in tool. */
export function builtInToolSpec(tool: AnyBuiltInTool): ToolSpec {
  return { name: tool.name, description: tool.description, inputSchema: inputJsonSchema(tool.input, tool.name) };
}
