// `npm run operator -- <command>`: manages console operators in the configured MongoDB (MONGODB_URI,
// MONGODB_DATABASE or BELUGA_CONFIG_FILE), for the first admin and for when no admin can sign in.
//   add --email E --name N --role admin|agent --accounts AC…,AC…|all   (password from stdin, else generated and printed once)
//   password --email E                                                   (new password: stdin, else generated)
//   key --email E [--name N]                                             (mints an API key, printed once)
//   list
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { z } from 'zod';
import { loadConfig, ConfigError } from '../src/config/load';
import { OperatorStore, type Operator } from '../src/operators/operator-store';
import { newSecret } from '../src/operators/secrets';

const USAGE = `usage: npm run operator -- <command>
  add --email E --name N --role admin|agent --accounts AC…[,AC…]|all
      the password is read from stdin when it is piped (echo "$PW" | npm run operator -- add …),
      else one is generated and printed once
  password --email E      sets a new password (stdin, else generated and printed once)
  key --email E [--name N]  mints an API key for the operator (printed once; stored only as a hash)
  list                    lists operators`;

class UsageError extends Error {}

const AddOptions = z.object({
  email: z.string().trim().pipe(z.email('--email: must be an email address')),
  name: z.string().trim().min(1, '--name: required'),
  role: z.enum(['admin', 'agent'], { error: '--role: admin or agent' }),
  accounts: z.union([
    z.literal('all'),
    z
      .string()
      .transform((s) => s.split(',').map((a) => a.trim()))
      .pipe(
        z.array(z.string().regex(/^AC[0-9a-fA-F]{32}$/, '--accounts: account sids (AC…), comma-separated, or all')),
      ),
  ]),
});

/** The password piped on stdin (first line), or a generated one to print once. */
async function passwordFromStdin(): Promise<{ password: string; generated: boolean }> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    const password = text.split(/\r?\n/)[0] ?? '';
    if (password.length > 0) {
      if (password.length < 12) throw new UsageError('the password on stdin must have at least 12 characters');
      return { password, generated: false };
    }
  }
  return { password: newSecret(15), generated: true };
}

function describe(o: Operator): string {
  const accounts = o.accounts === 'all' ? 'all accounts' : o.accounts.join(',');
  return `${o.id}  ${o.email}  ${o.role}  ${accounts}  "${o.name}"${o.disabled ? '  (disabled)' : ''}`;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  let values: { email?: string; name?: string; role?: string; accounts?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        accounts: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (!command || values.help || !['add', 'password', 'key', 'list'].includes(command)) {
    process.stdout.write(`${USAGE}\n`);
    if (!values.help && command !== undefined) process.exitCode = 64;
    return;
  }
  const config = loadConfig(process.env);
  const mongo = await MongoClient.connect(config.mongodb.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const store = new OperatorStore(mongo.db(config.mongodb.database));
    const byEmail = async (email: string | undefined): Promise<Operator> => {
      if (!email) throw new UsageError('--email: required');
      const found = await store.withPassword(email);
      if (!found) throw new UsageError(`no operator with email ${email}`);
      return found.operator;
    };
    if (command === 'list') {
      const operators = await store.list();
      process.stdout.write(operators.length ? `${operators.map(describe).join('\n')}\n` : 'no operators\n');
    } else if (command === 'add') {
      const parsed = AddOptions.safeParse(values);
      if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('\n'));
      const configured = config.twilio.accounts.map((a) => a.accountSid);
      const unknown = parsed.data.accounts === 'all' ? [] : parsed.data.accounts.filter((a) => !configured.includes(a));
      if (unknown.length)
        process.stderr.write(
          `note: ${unknown.join(', ')} not in this configuration (the operator sees it once configured)\n`,
        );
      const { password, generated } = await passwordFromStdin();
      const created = await store.create({ ...parsed.data, password });
      if (created === 'email-taken') throw new UsageError(`an operator with email ${parsed.data.email} exists already`);
      process.stdout.write(`created ${describe(created)}\n`);
      if (generated) process.stdout.write(`password (shown once): ${password}\n`);
    } else if (command === 'password') {
      const operator = await byEmail(values.email);
      const { password, generated } = await passwordFromStdin();
      await store.update(operator.id, { password });
      process.stdout.write(`password changed for ${operator.email}; their sessions are ended\n`);
      if (generated) process.stdout.write(`password (shown once): ${password}\n`);
    } else {
      const operator = await byEmail(values.email);
      const key = await store.createApiKey(operator.id, values.name ?? 'API key');
      process.stdout.write(`API key ${key.keyId} for ${operator.email} (shown once): ${key.apiKey}\n`);
    }
  } finally {
    await mongo.close();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof UsageError || error instanceof ConfigError;
  process.stderr.write(`operator: ${error instanceof Error ? error.message : String(error)}\n`);
  if (!known && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(known ? 64 : 1);
});
