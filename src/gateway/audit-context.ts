import type { Response } from 'express';

/** What a route tells the audit about the request it handled (the audit middleware reads it when the answer is sent). */
export interface AuditNotes {
  /** The account the request acted on. */
  accountSid?: string;
  /** What it acted on, when the route's parameters do not say it well (e.g. a created operator's id). */
  target?: string;
  /** Accounts whose admins may read the entry, when not just `accountSid` (e.g. an operator's accounts). */
  scope?: string[];
  /** The route records its own, named entry (sign-out): the generic one is not written. */
  skip?: boolean;
}

export function auditNote(res: Response, notes: AuditNotes): void {
  res.locals.audit = { ...auditNotes(res), ...notes };
}

export function auditNotes(res: Response): AuditNotes {
  return (res.locals.audit as AuditNotes | undefined) ?? {};
}
