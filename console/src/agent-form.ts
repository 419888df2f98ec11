/**
 * The agent page's form ↔ an agent definition: the main fields as strings to edit, written back onto
 * the stored definition (everything the form does not show is kept as it was). Pure.
 */
import type { AgentVersionView } from '../../src/gateway/api-types';

type Definition = AgentVersionView['definition'];

export interface FieldSpec {
  /** The definition's path, as the API names it in a 400's `issues` (`model.name`). */
  path: string;
  label: string;
  kind: 'text' | 'textarea' | 'number' | 'select';
  options?: string[];
  hint?: string;
}

export const AGENT_FIELDS: FieldSpec[] = [
  { path: 'name', label: 'Name', kind: 'text' },
  {
    path: 'instructions',
    label: 'Instructions',
    kind: 'textarea',
    hint: 'The system prompt. Variables: {{customerName}}, {{channel}}, {{businessHours}}, {{agentName}}, {{today}}.',
  },
  { path: 'voiceInstructions', label: 'Voice instructions', kind: 'textarea', hint: 'Added on calls (how to speak).' },
  {
    path: 'messagingInstructions',
    label: 'Messaging instructions',
    kind: 'textarea',
    hint: 'Added on messages (how to write).',
  },
  { path: 'greeting', label: 'Greeting', kind: 'text', hint: 'Said as soon as a call starts.' },
  { path: 'language', label: 'Language', kind: 'text', hint: 'A BCP-47 tag like en or en-GB.' },
  { path: 'businessHours', label: 'Business hours', kind: 'text' },
  { path: 'model.provider', label: 'Model provider', kind: 'select', options: ['anthropic', 'openai-compatible'] },
  { path: 'model.name', label: 'Model', kind: 'text', hint: "Empty: the deployment's default model." },
  { path: 'model.baseUrl', label: 'Model endpoint', kind: 'text', hint: 'Required for an openai-compatible model.' },
  { path: 'model.temperature', label: 'Temperature', kind: 'number' },
  { path: 'voice.voiceId', label: 'Voice', kind: 'text', hint: "The TTS voice id. Empty: the deployment's voice." },
  { path: 'voice.speed', label: 'Voice speed', kind: 'number', hint: '0.7 to 1.2.' },
  { path: 'maxCallMinutes', label: 'Longest call (minutes)', kind: 'number' },
  { path: 'transferNumber', label: 'Transfer number', kind: 'text', hint: 'E.164, like +14155550100.' },
  {
    path: 'fallbackLine',
    label: 'Fallback line',
    kind: 'text',
    hint: 'Said when the model or speech fails on a call.',
  },
  {
    path: 'fallbackReply',
    label: 'Fallback reply',
    kind: 'text',
    hint: 'Sent when the model cannot answer a message.',
  },
];

export interface AgentFormValues {
  fields: Record<string, string>;
  /** Absent tools mean the default set; the form keeps that apart from "none". */
  defaultTools: boolean;
  tools: string;
  knowledge: string[];
}

function get(definition: Definition, path: string): unknown {
  let value: unknown = definition;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

export function formValues(definition: Definition): AgentFormValues {
  const fields: Record<string, string> = {};
  for (const f of AGENT_FIELDS) {
    const value = get(definition, f.path);
    fields[f.path] = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  }
  return {
    fields,
    defaultTools: definition.tools === undefined,
    tools: (definition.tools ?? []).join('\n'),
    knowledge: [...definition.knowledge],
  };
}

function set(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    node[key] = typeof child === 'object' && child !== null ? { ...(child as Record<string, unknown>) } : {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/** The definition to PUT: the stored one with the form's fields (empty = unset, numbers as numbers when they parse). */
export function definitionFrom(base: Definition, values: AgentFormValues): Record<string, unknown> {
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  for (const f of AGENT_FIELDS) {
    const raw = values.fields[f.path]?.trim() ?? '';
    // Instructions may be empty on purpose (voice/messaging ones given): send '' rather than unset.
    let value: unknown = raw === '' ? (f.path === 'instructions' ? '' : undefined) : raw;
    // A number that does not parse goes as typed: the API names the field in its answer.
    if (f.kind === 'number' && raw !== '' && Number.isFinite(Number(raw))) value = Number(raw);
    set(out, f.path, value);
  }
  if (values.defaultTools) delete out.tools;
  else
    out.tools = values.tools
      .split(/[\n,]/)
      .map((t) => t.trim())
      .filter(Boolean);
  out.knowledge = values.knowledge;
  return out;
}
