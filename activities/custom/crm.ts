import { ApplicationFailure } from '@temporalio/activity';
import type { CustomActivityDeps } from './deps';

/** What the (example) CRM knows about a caller. */
export interface CrmRouting {
  known: boolean;
  name?: string;
  tier?: string;
  /** Number of the account manager or team this customer should reach. */
  routeTo?: string;
}

/**
 * Example user activity: asks the CRM at `custom.crmUrl` (configuration) who a caller is.
 * `GET <crmUrl>/customers/<phone>` → `{ name, tier, routeTo }`, 404 when unknown.
 */
export function createCrmActivities(deps: CustomActivityDeps) {
  return {
    async lookupCrmRouting(input: { phone: string }): Promise<CrmRouting> {
      const base = deps.config().custom.crmUrl;
      if (typeof base !== 'string')
        throw ApplicationFailure.nonRetryable(
          'set custom.crmUrl in the configuration file to use the CRM',
          'NotConfigured',
        );
      const response = await fetch(`${base.replace(/\/+$/, '')}/customers/${encodeURIComponent(input.phone)}`, {
        signal: AbortSignal.timeout(5000),
      });
      if (response.status === 404) return { known: false };
      // 5xx and timeouts throw and are retried by the activity's policy.
      if (!response.ok) throw new Error(`CRM answered HTTP ${response.status}`);
      const body = (await response.json()) as { name?: unknown; tier?: unknown; routeTo?: unknown };
      return {
        known: true,
        ...(typeof body.name === 'string' ? { name: body.name } : {}),
        ...(typeof body.tier === 'string' ? { tier: body.tier } : {}),
        ...(typeof body.routeTo === 'string' ? { routeTo: body.routeTo } : {}),
      };
    },
  };
}
