import type { Client } from '@temporalio/client';
import { Router, type Response } from 'express';
import type { ConfigStore } from '../config/store';
import type { CustomerRecords } from '../customers/customer-records';
import type { IdentityStore } from '../customers/identity-store';
import type { Logger } from '../observability/logger';
import { runOperation, type OperationRunner } from '../temporal/operation-runner';
import {
  FORGET_CUSTOMER_WORKFLOW,
  forgetCustomerWorkflowId,
  type ForgetCustomerWorkflow,
} from '../../workflows/forget-customer/contract';
import { sendOutcome } from './operation-outcome';
import { AccountQuery, ApiError, handle } from './operator-api';
import { ensureVisible, requireAdmin } from './principal';

export interface CustomerForgetRouteDeps {
  config: ConfigStore;
  temporal: Client;
  identities: IdentityStore;
  customerRecords: CustomerRecords;
  log: Logger;
  /** How long DELETE waits for the deletion before answering 202 (default 20 s). */
  waitMs?: number;
}

/** The customer's account, or 404 when the customer is unknown, of another account than the one named, or not the operator's. */
async function accountOfCustomer(
  deps: CustomerForgetRouteDeps,
  res: Response,
  customerId: string,
  named?: string,
): Promise<string> {
  const accountSid = await deps.identities.accountOf(customerId);
  if (!accountSid || (named && accountSid !== named)) throw new ApiError(404, `customer ${customerId} not found`);
  ensureVisible(res, accountSid, `customer ${customerId}`);
  return accountSid;
}

/**
 * Export first, then delete: `GET /customers/:id/export` reads everything stored about a customer;
 * `DELETE /customers/:id` forgets them as the durable `forget-<id>` workflow.
 */
export function customerForgetRoutes(deps: CustomerForgetRouteDeps): Router {
  const router = Router();
  const runner: OperationRunner = { temporal: deps.temporal, config: deps.config, waitMs: deps.waitMs ?? 20_000 };

  router.get(
    '/customers/:id/export',
    handle(deps.log, async (req, res) => {
      const customerId = String(req.params.id);
      await accountOfCustomer(deps, res, customerId, AccountQuery.parse(req.query).accountSid);
      const exported = await deps.customerRecords.export(customerId);
      if (!exported) throw new ApiError(404, `customer ${customerId} not found`);
      res.json(exported);
    }),
  );

  router.delete(
    '/customers/:id',
    requireAdmin,
    handle(deps.log, async (req, res) => {
      const customerId = String(req.params.id);
      const accountSid = await accountOfCustomer(deps, res, customerId, AccountQuery.parse(req.query).accountSid);
      const outcome = await runOperation<ForgetCustomerWorkflow>(runner, {
        workflowType: FORGET_CUSTOMER_WORKFLOW,
        workflowId: forgetCustomerWorkflowId(customerId),
        args: [{ customerId }],
        accountSid,
        summary: `Forget customer ${customerId}`,
      });
      sendOutcome(res, outcome, 200);
    }),
  );
  return router;
}
