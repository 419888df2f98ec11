import type { Response } from 'express';
import type { OperationOutcome } from '../temporal/operation-runner';

/** Writes an outcome: the result with `successStatus`, a clear failure, or 202 with the workflow id to follow. */
export function sendOutcome<R>(res: Response, outcome: OperationOutcome<R>, successStatus: number): void {
  if (!outcome.done) {
    res.status(202).json({ status: 'pending', workflowId: outcome.workflowId });
    return;
  }
  if ('failure' in outcome) {
    const { status, ...body } = outcome.failure;
    res.status(status).json(body);
    return;
  }
  res.status(successStatus).json(outcome.result);
}
