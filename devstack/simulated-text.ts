/** The arguments of `npm run text` (a customer texting the dev sandbox), apart from the script so they can be tested. */
import { parseArgs } from 'node:util';
import { DEFAULT_CALLER_NUMBER, gatewayOption, phoneOption, UsageError } from './simulated-call';

export const TEXT_USAGE = `usage: npm run text -- "your message" [--to +E164] [--from +E164] [--whatsapp] [--gateway http://localhost:3000]

Texts the running dev system (\`npm run dev\` with Twilio emulated) as a customer would, and prints the
agent's reply. --to texts one of the sandbox's numbers (and so the agent answering it; \`npm run dev\`
lists them); default: its first number. --whatsapp sends from and to the WhatsApp addresses of the numbers.`;

export interface TextOptions {
  body: string;
  from: string;
  /** One of the sandbox's numbers; default: its first. */
  to?: string;
  whatsapp: boolean;
  gateway?: string;
  help: boolean;
}

export function parseTextArgs(args: readonly string[]): TextOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        whatsapp: { type: 'boolean', default: false },
        gateway: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), TEXT_USAGE);
  }
  const { values, positionals } = parsed;
  const body = positionals.join(' ').trim();
  if (!body && !values.help) throw new UsageError('a message to send is required', TEXT_USAGE);
  if (body.length > 1600) throw new UsageError('the message must be at most 1600 characters', TEXT_USAGE);
  const to = values.to === undefined ? undefined : phoneOption('to', values.to, TEXT_USAGE);
  const gateway = values.gateway === undefined ? undefined : gatewayOption(values.gateway, TEXT_USAGE);
  return {
    body,
    from: phoneOption('from', values.from ?? DEFAULT_CALLER_NUMBER, TEXT_USAGE),
    ...(to ? { to } : {}),
    whatsapp: values.whatsapp,
    help: values.help,
    ...(gateway ? { gateway } : {}),
  };
}
