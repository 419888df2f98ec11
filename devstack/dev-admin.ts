import fs from 'node:fs';
import path from 'node:path';
import type { Db } from 'mongodb';
import { OperatorStore } from '../src/operators/operator-store';
import { newSecret } from '../src/operators/secrets';

export const DEV_ADMIN_EMAIL = 'admin@localhost';

/** Where `npm run dev` keeps the dev admin's password (readable by the user only). */
export function devAdminFile(dataDir: string): string {
  return path.join(dataDir, 'console-admin.json');
}

/**
 * A console admin of all accounts for local development, made when the database has no admin:
 * `admin@localhost` with a random password kept in the data dir (stored hashed in MongoDB).
 * Returns the credentials to print, or undefined when admins exist whose password we do not know.
 */
export async function seedDevAdmin(db: Db, dataDir: string): Promise<{ email: string; password: string } | undefined> {
  const store = new OperatorStore(db);
  const file = devAdminFile(dataDir);
  const saved = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { email: string; password: string })
    : undefined;
  if ((await store.count({ role: 'admin' })) > 0) {
    // The seeded admin still exists: show its saved password again (it may have been changed since).
    return saved && (await store.withPassword(saved.email)) ? saved : undefined;
  }
  const password = newSecret(15);
  const created = await store.create({
    email: DEV_ADMIN_EMAIL,
    name: 'Dev admin',
    role: 'admin',
    accounts: 'all',
    password,
  });
  if (created === 'email-taken') {
    // An agent-role operator holds the email: leave it; the developer uses `npm run operator`.
    return undefined;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ email: DEV_ADMIN_EMAIL, password }), { mode: 0o600 });
  return { email: DEV_ADMIN_EMAIL, password };
}
