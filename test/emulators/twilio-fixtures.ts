import type twilio from 'twilio';
import TwilioSdk from 'twilio';
import { createTwilioClient } from '../../src/telephony/twilio/client';
import { TwilioEmulator, type TwilioEmulatorOptions } from '../../devstack/emulators/twilio/emulator';

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
  const client = createTwilioClient({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    apiBaseUrl: baseUrl,
    timeoutMs: 5000,
  });
  return { emulator, baseUrl, client };
}

/** A form POST as the first account, for input the SDK itself would refuse or never send. */
export async function rawPost(
  baseUrl: string,
  path: string,
  form: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: await response.json() };
}

/** The RestException a call must have failed with (fails the test otherwise). */
export async function restError(promise: Promise<unknown>): Promise<twilio.RestException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TwilioSdk.RestException);
  return error as twilio.RestException;
}

/** One emulator for a test file, reset (state and hooks) before each test. */
export function sharedEmulator(options: Partial<TwilioEmulatorOptions> = {}): EmulatorFixture {
  const fx = {} as EmulatorFixture;
  beforeAll(async () => {
    Object.assign(fx, await startEmulatorWithClient(options));
  });
  afterAll(() => fx.emulator.stop());
  beforeEach(() => {
    fx.emulator.reset();
    fx.emulator.hooks = {};
  });
  return fx;
}
