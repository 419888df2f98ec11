import type { Config } from '../../config/schema';
import type { DocumentLimits } from './document-content';

/** PLACEHOLDER until k-store's config section lands: then `config.knowledge.documents`. */
export function documentLimits(_config: Config): DocumentLimits {
  return { maxBytes: 10 * 1024 * 1024, fetchTimeoutMs: 15_000, allowPrivateAddresses: true };
}
