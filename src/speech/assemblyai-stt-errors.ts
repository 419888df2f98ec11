/** AssemblyAI streaming failures as SttErrors: which close codes are permanent, and safe messages. */
import { SttError } from './stt';

/** Codes the SDK also treats as permanent: bad sample rate, auth, funds, free tier, bad schema. */
export const PERMANENT_CODES = new Set([4000, 4001, 4002, 4003, 4101]);

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function toSttError(error: unknown): SttError {
  if (error instanceof SttError) return error;
  const raw = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const code = typeof raw === 'number' ? raw : undefined;
  const what = code === 4001 ? 'refused the credentials' : 'connection failed';
  return sttError(
    `AssemblyAI streaming ${what}: ${errorMessage(error)}${code !== undefined ? ` (code ${code})` : ''}`,
    code,
  );
}

/** Refused credentials, funds or parameters fail the same way next time; anything else (network) may not. */
export function sttError(message: string, code: number | undefined): SttError {
  return new SttError(message, {
    provider: 'assemblyai',
    retryable: code === undefined || !PERMANENT_CODES.has(code),
    ...(code === undefined ? {} : { code }),
  });
}
