import type { Db } from 'mongodb';
import { ignoringDuplicate } from '../duplicate-key';
import { scopeIdentitiesByAccount } from './scope-identities-by-account';

interface MigrationDoc {
  _id: string;
  appliedAt: Date;
  result: unknown;
}

interface MigrationContext {
  /** Where data that names no account goes: the first configured account. */
  defaultAccountSid: string | undefined;
}

/** In order; an id never changes once released (it is what the `migrations` collection records). */
const MIGRATIONS: Array<{ id: string; run(db: Db, context: MigrationContext): Promise<unknown> }> = [
  {
    id: '2026-11-scope-identities-by-account',
    run: (db, context) => scopeIdentitiesByAccount(db, context.defaultAccountSid),
  },
];

/**
 * Runs the migrations not yet recorded in `migrations`, each then recorded (insert-only by id). Every
 * migration is idempotent and insert-only, so two processes starting at once may both run one.
 */
export async function runMigrations(db: Db, context: MigrationContext): Promise<string[]> {
  const applied = db.collection<MigrationDoc>('migrations');
  const ran: string[] = [];
  for (const migration of MIGRATIONS) {
    if (await applied.findOne({ _id: migration.id })) continue;
    const result = await migration.run(db, context);
    await ignoringDuplicate(applied.insertOne({ _id: migration.id, appliedAt: new Date(), result }));
    ran.push(migration.id);
  }
  return ran;
}
