/**
 * The embedding provider the configuration names, or none: with `provider: 'none'` (the sandbox default)
 * search is lexical only.
 */
import type { KnowledgeConfig } from '../../config/schema';
import type { EmbeddingProvider } from '../types';
import { VoyageEmbeddingProvider } from './voyage';

/** `config.knowledge.embeddings`. */
type EmbeddingsConfig = KnowledgeConfig['embeddings'];

/** Throws an `EmbeddingError` (`config`) when the provider is named but cannot work (no key, bad dimension). */
export function createEmbeddingProvider(config: EmbeddingsConfig): EmbeddingProvider | undefined {
  switch (config.provider) {
    case 'none':
      return undefined;
    case 'voyage':
      return new VoyageEmbeddingProvider({
        apiKey: config.apiKey ?? '',
        model: config.model,
        dimensions: config.dimensions,
        ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      });
  }
}

export { EmbeddingError } from './errors';
