// `npm run text -- "hello" [--to +E164] [--from +14155550123] [--whatsapp]`: texts the running dev
// system as a customer would (a Twilio-signed webhook into the gateway) and prints the agent's reply.
import { createTwilioClient } from '../src/telephony/twilio/client';
import { devDataDir } from '../devstack/paths';
import { sandboxFile, sandboxTarget, type SandboxInfo } from '../devstack/sandbox';
import { UsageError } from '../devstack/simulated-call';
import { parseTextArgs, TEXT_USAGE } from '../devstack/simulated-text';
import { sendTwilioWebhook } from '../devstack/emulators/twilio';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

async function main(): Promise<void> {
  const options = parseTextArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${TEXT_USAGE}\n`);
    return;
  }
  const { body } = options;
  const file = sandboxFile(devDataDir());
  if (!fs.existsSync(file))
    throw new Error(
      `no sandbox found at ${file}: start the system with \`npm run dev\` (with no Twilio credentials) first`,
    );
  const sandbox = JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxInfo;
  const gateway = options.gateway ?? sandbox.gatewayUrl ?? `http://localhost:${process.env.PORT ?? 3000}`;
  const publicUrl = (sandbox.publicUrl ?? process.env.PUBLIC_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  const prefix = options.whatsapp ? 'whatsapp:' : '';
  const target = sandboxTarget(sandbox, options.to);
  const from = `${prefix}${options.from}`;
  const to = `${prefix}${target.to}`;
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const params = {
    MessageSid: sid,
    SmsMessageSid: sid,
    AccountSid: sandbox.accountSid,
    From: from,
    To: to,
    Body: body,
    NumMedia: '0',
    SmsStatus: 'received',
  };
  const sentAt = Date.now();
  const response = await sendTwilioWebhook({
    url: `${gateway}/twilio/messaging/inbound`,
    publicUrl: `${publicUrl}/twilio/messaging/inbound`,
    authToken: sandbox.authToken,
    params,
  });
  if (response.status !== 200) throw new Error(`gateway answered ${response.status}: ${response.body}`);
  process.stdout.write(`you (${from} → ${to}, ${target.note}): ${body}\n`);
  const twilio = createTwilioClient({
    accountSid: sandbox.accountSid,
    authToken: sandbox.authToken,
    apiBaseUrl: sandbox.twilioApiBaseUrl,
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const replies = await twilio.messages.list({ to: from, limit: 20 });
    const reply = replies.find((m) => m.dateCreated.getTime() >= sentAt - 1000);
    if (reply) {
      process.stdout.write(
        `agent (${reply.from}): ${reply.body}   [${Date.now() - sentAt} ms; see it in the Temporal UI: http://localhost:8233]\n`,
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no reply within 30 s: is `npm run dev` running? check its output');
}

main().catch((error: unknown) => {
  process.stderr.write(`text: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
