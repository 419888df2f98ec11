import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedDevAdmin } from '../../devstack/dev-admin';
import { startTestSystem, type TestSystem } from '../harness/system';
import { keyApi, signIn } from '../harness/operators';

const root = path.resolve(__dirname, '../..');

// The first admin: `npm run operator` against the configured MongoDB, and the dev admin `npm run dev` seeds.
describe('operator bootstrap', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  function operatorScript(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const { uri, database } = system.config.get().mongodb;
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', path.join(root, 'scripts', 'operator.ts'), ...args],
        { cwd: root, env: { PATH: process.env.PATH, MONGODB_URI: uri, MONGODB_DATABASE: database }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
      if (stdin !== undefined) child.stdin!.end(stdin);
      else child.stdin!.end();
    });
  }

  it('adds an admin with a piped password, mints a key, lists; the admin signs in and the key works', async () => {
    const added = await operatorScript(
      ['add', '--email', 'boot@example.test', '--name', 'Boot Admin', '--role', 'admin', '--accounts', 'all'],
      'a-piped-password-123\n',
    );
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toContain('boot@example.test');
    expect(added.stdout).not.toContain('a-piped-password-123');
    const session = await signIn(system, 'boot@example.test', 'a-piped-password-123');
    expect((session.session.operator as { accounts: unknown }).accounts).toBe('all');

    const key = await operatorScript(['key', '--email', 'boot@example.test']);
    expect(key.code).toBe(0);
    const apiKey = /(bop_[A-Za-z0-9_-]+)/.exec(key.stdout)?.[1];
    expect(apiKey).toBeDefined();
    expect((await keyApi(system, apiKey!, 'GET', '/operators')).status).toBe(200);

    const listed = await operatorScript(['list']);
    expect(listed.stdout).toContain('boot@example.test  admin  all accounts');

    const duplicate = await operatorScript(
      ['add', '--email', 'BOOT@example.test', '--name', 'Again', '--role', 'agent', '--accounts', 'all'],
      'another-password-123\n',
    );
    expect(duplicate.code).toBe(64);
    expect(duplicate.stderr).toContain('exists already');
    const bad = await operatorScript(['add', '--email', 'x', '--name', 'X', '--role', 'boss', '--accounts', 'ACnope']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--email');
    expect(bad.stderr).toContain('--role');
  }, 120_000);

  it('generates and prints a password once when none is piped', async () => {
    const added = await operatorScript(
      ['add', '--email', 'gen@example.test', '--name', 'Generated', '--role', 'agent', '--accounts', 'all'],
      '',
    );
    expect(added.code).toBe(0);
    const password = /password \(shown once\): (\S+)/.exec(added.stdout)?.[1];
    expect(password).toBeDefined();
    await signIn(system, 'gen@example.test', password!);
  }, 60_000);

  it('seeds the dev admin once, with its password kept in the data dir', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-dev-admin-'));
    try {
      const db = system.db.client.db(`${system.config.get().mongodb.database}_dev`);
      const first = await seedDevAdmin(db, dataDir);
      expect(first?.email).toBe('admin@localhost');
      const file = path.join(dataDir, 'console-admin.json');
      expect(fs.statSync(file).mode & 0o077).toBe(0);
      // A restart shows the same credentials and makes no second admin.
      expect(await seedDevAdmin(db, dataDir)).toEqual(first);
      expect(await db.collection('operators').countDocuments({})).toBe(1);
      const stored = JSON.stringify(await db.collection('operators').find({}).toArray());
      expect(stored).not.toContain(first!.password);
      await db.dropDatabase();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
