/**
 * Checks a tool's input against the JSON Schema the config gives for it, with zod's converter (zod
 * is already how every other input is checked, and its issues name the field). Unsupported schema
 * features (if/then/else, `not`, external `$ref`) are refused when the config loads, not when the
 * model first calls the tool.
 */
import { z } from 'zod';

type JsonSchema = Parameters<typeof z.fromJSONSchema>[0];

// Per schema object: a config reload makes new objects, so a changed schema is converted afresh.
const converted = new WeakMap<object, z.ZodType>();

function zodFor(schema: object): z.ZodType {
  let found = converted.get(schema);
  if (!found) {
    found = z.fromJSONSchema(schema as JsonSchema);
    converted.set(schema, found);
  }
  return found;
}

/** Why the schema cannot be used (for the config's error list), or undefined when it can. */
export function inputSchemaProblem(schema: object): string | undefined {
  try {
    zodFor(schema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** What is wrong with the input, field by field (`orderId: expected string, received number`), or undefined. */
export function inputProblems(schema: object, input: unknown): string | undefined {
  const parsed = zodFor(schema).safeParse(input);
  if (parsed.success) return undefined;
  return parsed.error.issues
    .map(
      (issue) =>
        `${issue.path.length ? issue.path.join('.') : '(input)'}: ${issue.message.replace(/^Invalid input: /, '')}`,
    )
    .join('; ');
}
