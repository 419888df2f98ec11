import type { Config } from '../config/schema';
import { ApiError } from './api-error';

/** The dev sandbox's control header (devstack/sandbox-control.ts, which serves it). */
const SANDBOX_TOKEN_HEADER = 'x-beluga-sandbox-token';

/** Browser calls can script their simulated caller only when speech recognition is the dev sandbox's emulator. */
export function sandboxSpeech(config: Config): Config['sandboxControl'] {
  return config.sandbox.includes('assemblyai') ? config.sandboxControl : undefined;
}

/**
 * Tells the emulated speech recognition what the simulated caller of this call says next (the
 * emulator hears energy, not words). The script is leased to one owner at a time: another simulated
 * call holding it answers 409.
 */
export async function scriptCallerLine(config: Config, owner: string, line: string): Promise<void> {
  const control = sandboxSpeech(config);
  if (!control) throw new ApiError(409, 'speech recognition is not the sandbox emulator: speak into the microphone');
  const response = await fetch(`${control.url.replace(/\/+$/, '')}/stt/script`, {
    method: 'PUT',
    headers: { [SANDBOX_TOKEN_HEADER]: control.token, 'content-type': 'application/json' },
    body: JSON.stringify({ owner, utterances: [line] }),
    signal: AbortSignal.timeout(3000),
  });
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const answer = (await response.json().catch(() => ({}))) as { error?: unknown };
  const why = typeof answer.error === 'string' ? answer.error : `HTTP ${response.status}`;
  throw new ApiError(response.status === 409 ? 409 : 502, `the sandbox did not take the line: ${why}`);
}

/** Gives the script back when the call ends (what is left of it must not become the next call's words). */
export async function releaseCallerScript(config: Config, owner: string): Promise<void> {
  const control = sandboxSpeech(config);
  if (!control) return;
  const response = await fetch(`${control.url.replace(/\/+$/, '')}/stt/script?owner=${encodeURIComponent(owner)}`, {
    method: 'DELETE',
    headers: { [SANDBOX_TOKEN_HEADER]: control.token },
    signal: AbortSignal.timeout(3000),
  });
  await response.body?.cancel();
}
