import type { Db } from 'mongodb';
import type { Logger } from '../observability/logger';
import { AuditLog } from '../operators/audit-log';
import { OperatorStore } from '../operators/operator-store';
import type { OperatorAccess } from './authentication';

/** The operator store and audit log of a database, their indexes requested in the background (nothing waits on them). */
export function operatorAccess(db: Db, log: Logger): OperatorAccess {
  const access = { operators: new OperatorStore(db), audit: new AuditLog(db) };
  void Promise.all([access.operators.ensureIndexes(), access.audit.ensureIndexes()]).catch((error: unknown) =>
    log.warn({ err: error }, 'operator and audit indexes not created'),
  );
  return access;
}
