import { ConfigError, loadConfig, missingCredentials } from '../../src/config/load';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('knowledge configuration', () => {
  it('defaults to a lexical-only store under the dev data directory, and that is not a missing credential', () => {
    const config = loadConfig({});
    expect(config.knowledge).toEqual({
      storeUri: '.data/knowledge',
      storageOptions: {},
      embeddings: { provider: 'none', model: 'voyage-3.5-lite', dimensions: 512 },
      documents: { maxBytes: 10 * 1024 * 1024, fetchTimeoutMs: 15_000, allowPrivateUrls: false },
      retrieval: { messagingTopK: 4, voiceTopK: 3, voiceDebounceMs: 120, voiceWaitBudgetMs: 30 },
      optimizeIntervalMinutes: 10,
    });
    expect(missingCredentials(config).join(' ')).not.toMatch(/VOYAGE/);
  });

  it('reads the environment', () => {
    const { knowledge } = loadConfig({
      KNOWLEDGE_STORE_URI: '/var/lib/beluga/knowledge',
      KNOWLEDGE_EMBEDDINGS: 'voyage',
      VOYAGE_API_KEY: 'pa-secret',
      VOYAGE_BASE_URL: 'http://127.0.0.1:4010',
      VOYAGE_MODEL: 'voyage-3.5',
      VOYAGE_DIMENSIONS: '1024',
      KNOWLEDGE_DOCUMENTS_MAX_BYTES: '1000000',
      KNOWLEDGE_FETCH_TIMEOUT_MS: '5000',
      KNOWLEDGE_ALLOW_PRIVATE_URLS: 'true',
      KNOWLEDGE_MESSAGING_TOP_K: '6',
      KNOWLEDGE_VOICE_TOP_K: '2',
      KNOWLEDGE_OPTIMIZE_INTERVAL_MINUTES: '0.5',
      // Ignored: the store is on local disk.
      AWS_ENDPOINT_URL: 'http://minio:9000',
    });
    expect(knowledge).toEqual({
      storeUri: '/var/lib/beluga/knowledge',
      storageOptions: {},
      embeddings: {
        provider: 'voyage',
        apiKey: 'pa-secret',
        baseUrl: 'http://127.0.0.1:4010',
        model: 'voyage-3.5',
        dimensions: 1024,
      },
      documents: { maxBytes: 1_000_000, fetchTimeoutMs: 5000, allowPrivateUrls: true },
      retrieval: { messagingTopK: 6, voiceTopK: 2, voiceDebounceMs: 120, voiceWaitBudgetMs: 30 },
      optimizeIntervalMinutes: 0.5,
    });
  });

  it('takes an s3 store URI and the object-store settings LanceDB needs from the AWS environment', () => {
    const { knowledge } = loadConfig({
      KNOWLEDGE_STORE_URI: 's3://beluga-knowledge/prod',
      AWS_ENDPOINT_URL: 'http://minio:9000',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'beluga',
      AWS_SECRET_ACCESS_KEY: 'beluga-secret',
      AWS_ALLOW_HTTP: 'true',
    });
    expect(knowledge.storeUri).toBe('s3://beluga-knowledge/prod');
    expect(knowledge.storageOptions).toEqual({
      aws_endpoint: 'http://minio:9000',
      aws_region: 'us-east-1',
      aws_access_key_id: 'beluga',
      aws_secret_access_key: 'beluga-secret',
      allow_http: 'true',
    });
  });

  it('names bad settings by their environment variables', () => {
    expect(problemsOf({ KNOWLEDGE_EMBEDDINGS: 'voyage' })).toEqual([
      'VOYAGE_API_KEY (knowledge.embeddings.apiKey): required when KNOWLEDGE_EMBEDDINGS is voyage',
    ]);
    expect(problemsOf({ KNOWLEDGE_EMBEDDINGS: 'openai' })[0]).toMatch(/^KNOWLEDGE_EMBEDDINGS: /);
    expect(problemsOf({ VOYAGE_DIMENSIONS: '300' })).toEqual(['VOYAGE_DIMENSIONS: must be 256, 512, 1024 or 2048']);
    expect(problemsOf({ KNOWLEDGE_STORE_URI: 'ftp://host/x' })).toEqual([
      'KNOWLEDGE_STORE_URI: must be a directory path or an object-store URI like s3://bucket/prefix (also gs://, az://)',
    ]);
    expect(problemsOf({ KNOWLEDGE_STORE_URI: 's3://' })[0]).toMatch(/^KNOWLEDGE_STORE_URI: /);
    expect(problemsOf({ KNOWLEDGE_VOICE_TOP_K: '0' })[0]).toMatch(/^KNOWLEDGE_VOICE_TOP_K: /);
    expect(problemsOf({ VOYAGE_BASE_URL: 'nope' })[0]).toMatch(/^VOYAGE_BASE_URL: /);
  });
});
