import { randomBytes } from 'node:crypto';
import { startSandboxControl, type SandboxControlServer } from '../../devstack/sandbox-control';
import { startTestSystem, type TestSystem } from './system';

/** A voice test system whose emulated speech recognition is scripted through the dev sandbox's control endpoint. */
export interface SandboxVoiceSystem {
  system: TestSystem;
  control: SandboxControlServer;
  stop(): Promise<void>;
}

/**
 * Starts the sandbox's control endpoint (as `npm run dev` does) and a voice system configured with it,
 * so the gateway's browser calls can script what their simulated caller says.
 */
export async function startSandboxVoiceSystem(): Promise<SandboxVoiceSystem> {
  const token = randomBytes(24).toString('hex');
  let system: TestSystem | undefined;
  const control = await startSandboxControl({
    token,
    status: () => ({
      emulated: ['assemblyai'],
      timings: { sttFinalizationMs: 0, llmFirstTokenMs: 0, llmTokensPerSecond: 0, ttsFirstByteMs: 0 },
    }),
    target: {
      replace(utterances) {
        if (!system) throw new Error('the test system is not started yet');
        system.stt.transcripts.reset();
        system.stt.script(utterances);
      },
    },
  });
  try {
    system = await startTestSystem(
      {
        BELUGA_SANDBOX: 'assemblyai',
        BELUGA_SANDBOX_CONTROL_URL: control.url,
        BELUGA_SANDBOX_CONTROL_TOKEN: token,
      },
      { voice: true },
    );
  } catch (error) {
    await control.stop();
    throw error;
  }
  const started = system;
  return {
    system: started,
    control,
    async stop() {
      await started.stop();
      await control.stop();
    },
  };
}
