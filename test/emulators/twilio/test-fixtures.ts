import type twilio from 'twilio';
import { createTwilioClient } from '../../../src/telephony/twilio/client';
import { TwilioEmulator, type TwilioEmulatorOptions } from './emulator';

export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const AUTH_TOKEN = 'emulator-auth-token-1';
export const OTHER_ACCOUNT_SID = `AC${'fedcba9876543210'.repeat(2)}`;
export const OTHER_AUTH_TOKEN = 'emulator-auth-token-2';

export interface EmulatorFixture {
  emulator: TwilioEmulator;
  baseUrl: string;
  client: twilio.Twilio;
}

/** An emulator with two accounts and an SDK client (through createTwilioClient) for the first. */
export async function startEmulatorWithClient(options: Partial<TwilioEmulatorOptions> = {}): Promise<EmulatorFixture> {
  const emulator = new TwilioEmulator({
    accounts: { [ACCOUNT_SID]: AUTH_TOKEN, [OTHER_ACCOUNT_SID]: OTHER_AUTH_TOKEN },
    ...options,
  });
  const baseUrl = await emulator.start();
  const client = createTwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiBaseUrl: baseUrl, timeoutMs: 5000 });
  return { emulator, baseUrl, client };
}
