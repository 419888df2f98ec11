import type { Config } from '../../config/schema';
import type { DocumentLimits } from './document-content';

/** The document limits of the live configuration (`knowledge.documents`). */
export function documentLimits(config: Config): DocumentLimits {
  const { maxBytes, fetchTimeoutMs, allowPrivateUrls } = config.knowledge.documents;
  return { maxBytes, fetchTimeoutMs, allowPrivateAddresses: allowPrivateUrls };
}
