/**
 * What `npm run dev`'s sandbox stands in for, decided before anything starts: every provider the configuration
 * (environment and config file together) leaves without credentials. A config file with agents, lines and bindings
 * but no Twilio credentials still gets the emulated Twilio account, which adopts the file's numbers.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { anyAgentOnAnthropic } from '../src/agents/default-agent';
import { routeLine } from '../src/agents/routing';
import { ConfigError, loadConfig } from '../src/config/load';
import type { Config } from '../src/config/schema';

/** The emulated account's number when the configuration lists none (Twilio's magic test number). */
export const SANDBOX_AGENT_NUMBER = '+15005550006';

/** One of the emulated account's numbers (or WhatsApp senders), and the agent that answers it. */
export interface SandboxLine {
  address: string;
  agent: string;
}

export interface SandboxPlan {
  /** The configuration the processes will load, with the sandbox's account in it (emulator URLs aside). */
  config: Config;
  /** The emulated Twilio account, when the configuration names no real one. */
  twilio?: {
    accountSid: string;
    authToken: string;
    lines: SandboxLine[];
    /** Settings that make the configuration use it (the emulator's URL is added once it listens). */
    env: Record<string, string>;
  };
  /** Emulated because some agent runs on Anthropic and no key is set. */
  anthropic: boolean;
  assemblyai: boolean;
  tts: boolean;
}

/**
 * Decides what to emulate. `saved` is the account of an earlier run (`.data/sandbox.json`), kept so the customers
 * and histories of the emulated account survive restarts. Throws a ConfigError for a configuration that is invalid
 * even with the sandbox's account.
 */
export function planSandbox(
  env: Record<string, string | undefined>,
  saved?: { accountSid: string; authToken: string },
): SandboxPlan {
  if (!needsTwilio(env)) {
    const config = loadConfig(env);
    return { config, ...emulatedProviders(config) };
  }
  const accountSid = saved?.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = saved?.authToken ?? randomBytes(16).toString('hex');
  const twilioEnv: Record<string, string> = { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken };
  let config = loadConfig({ ...env, ...twilioEnv });
  let account = config.twilio.accounts.find((a) => a.accountSid === accountSid)!;
  if (account.phoneNumbers.length === 0) {
    // The file's lines are the account's numbers; without any, the emulated account has Twilio's test number.
    const lineNumbers = account.lines.map((l) => l.address).filter((a) => !a.startsWith('IS'));
    twilioEnv.TWILIO_PHONE_NUMBERS = lineNumbers.length ? lineNumbers.join(',') : SANDBOX_AGENT_NUMBER;
    config = loadConfig({ ...env, ...twilioEnv });
    account = config.twilio.accounts.find((a) => a.accountSid === accountSid)!;
  }
  const lines = account.phoneNumbers.map((address) => ({
    address,
    agent: routeLine(account, address, 'messaging').agentId,
  }));
  return { config, twilio: { accountSid, authToken, lines, env: twilioEnv }, ...emulatedProviders(config) };
}

function emulatedProviders(config: Config): Pick<SandboxPlan, 'anthropic' | 'assemblyai' | 'tts'> {
  return {
    anthropic: !config.anthropic.apiKey && anyAgentOnAnthropic(config),
    assemblyai: !config.assemblyai.apiKey,
    tts: !config.tts.apiKey,
  };
}

/**
 * Twilio is emulated unless an account is named, in the environment or the file. The file may describe one account
 * without credentials (numbers, lines, agent): the emulated account becomes that one.
 */
function needsTwilio(env: Record<string, string | undefined>): boolean {
  if (env.TWILIO_ACCOUNT_SID) return false;
  const accounts = fileAccounts(env.BELUGA_CONFIG_FILE);
  if (accounts.some((a) => a.accountSid !== undefined)) return false;
  if (accounts.length > 1)
    throw new ConfigError([
      `twilio.accounts: the sandbox emulates one Twilio account, and ${env.BELUGA_CONFIG_FILE} lists ${accounts.length} without credentials; give the others their accountSid and authToken, or remove them`,
    ]);
  return true;
}

/** The accounts the config file lists, as written; none when there is no file (a broken one fails in loadConfig). */
function fileAccounts(file: string | undefined): Array<Record<string, unknown>> {
  if (!file) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const accounts = (raw as { twilio?: { accounts?: unknown } } | null)?.twilio?.accounts;
  return Array.isArray(accounts)
    ? accounts.filter((a): a is Record<string, unknown> => typeof a === 'object' && a !== null)
    : [];
}
