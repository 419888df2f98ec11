/** Each agent's model client, built from its `model` settings: the OpenAI-compatible endpoint with its key from the environment. */
import { userMessage } from '../../src/agent/chat-items';
import { AgentModels } from '../../src/agents/agent-models';
import type { ResolvedAgent } from '../../src/agents/resolved-agent';
import { defaultAgentModel } from '../../src/agents/default-agent';
import { ConfigStore } from '../../src/config/store';
import { OpenAiEmulator } from '../../devstack/emulators/openai';

const KEY = 'vllm-key-0123456789';
const keyed = new OpenAiEmulator({ apiKey: KEY });
const open = new OpenAiEmulator();
let keyedUrl: string;
let openUrl: string;

beforeAll(async () => {
  [keyedUrl, openUrl] = await Promise.all([keyed.start(), open.start()]);
});

afterAll(async () => {
  await Promise.all([keyed.stop(), open.stop()]);
});

function openAiModel(baseUrl: string, extra: Partial<ResolvedAgent['model']> = {}): ResolvedAgent['model'] {
  return { provider: 'openai-compatible', name: 'llama3.1', baseUrl, maxTokens: 1024, ...extra };
}

const ask = { system: 'Be brief.', items: [userMessage('hi')] };

describe('AgentModels', () => {
  const config = ConfigStore.load({});

  it('sends the key from the variable the model names, and a placeholder to a server that needs none', async () => {
    const models = new AgentModels(config, { VLLM_KEY: KEY });
    keyed.enqueue('From vLLM.');
    open.enqueue('From Ollama.');

    const withKey = models.for(openAiModel(keyedUrl, { apiKeyEnv: 'VLLM_KEY' }), 'messaging')!;
    const withoutKey = models.for(openAiModel(openUrl), 'messaging')!;

    expect((await withKey.complete(ask)).text).toBe('From vLLM.');
    expect((await withoutKey.complete(ask)).text).toBe('From Ollama.');
    expect(keyed.lastRequest()).toMatchObject({ status: 200, model: 'llama3.1', maxTokens: 1024 });
  });

  it('has no model when the named variable is not set (rather than sending no key)', () => {
    const models = new AgentModels(config, {});
    expect(models.for(openAiModel(keyedUrl, { apiKeyEnv: 'VLLM_KEY' }), 'messaging')).toBeUndefined();
  });

  it('keeps voice replies short, and reuses one client per settings (warm sockets across a call’s turns)', async () => {
    const models = new AgentModels(config, {});
    const voice = models.for(openAiModel(openUrl), 'voice')!;
    expect(models.for(openAiModel(openUrl), 'voice')).toBe(voice);
    expect(models.for(openAiModel(openUrl), 'messaging')).not.toBe(voice);
    expect(models.for(openAiModel(openUrl, { temperature: 0.5 }), 'voice')).not.toBe(voice);
    open.enqueue('Short.');
    await voice.complete(ask);
    expect(open.lastRequest()!.maxTokens).toBe(300);
  });

  it('gives the default agent Anthropic unless an agent `default` says otherwise', () => {
    expect(defaultAgentModel(ConfigStore.load({ ANTHROPIC_MODEL: 'claude-x' }).get())).toMatchObject({
      provider: 'anthropic',
      name: 'claude-x',
    });
    const models = new AgentModels(ConfigStore.load({}), {});
    expect(models.for(defaultAgentModel(ConfigStore.load({}).get()), 'messaging')).toBeUndefined(); // no Anthropic key
  });
});
