import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { BrowserCallStart } from '../../../src/gateway/api-types';
import { api, errorMessage } from '../api';
import { useAgentList } from '../agents-query';
import { BrowserCall, type CallState } from '../audio/browser-call';
import { useSession } from '../session';
import { ErrorText } from '../ui';

/** "Call agent": a call to the chosen agent from this page, through the same media-stream loop as a phone call. */
export function BrowserCallPanel() {
  const { accountSid } = useSession();
  const agents = useAgentList();
  const [agentId, setAgentId] = useState('');
  const [state, setState] = useState<CallState | 'idle'>('idle');
  const [problem, setProblem] = useState<string>();
  const [speaking, setSpeaking] = useState(false);
  // In the sandbox the simulated caller speaks the "Say" lines; the microphone is sent only if asked.
  const [sandboxMic, setSandboxMic] = useState(false);
  const [started, setStarted] = useState<BrowserCallStart>();
  const call = useRef<BrowserCall | undefined>(undefined);
  const hangUpRef = useRef<HTMLButtonElement>(null);
  const callRef = useRef<HTMLButtonElement>(null);
  const sayRef = useRef<HTMLInputElement>(null);

  useEffect(() => () => call.current?.hangUp(), []);
  useEffect(() => {
    if (!agentId && agents.data?.[0]) setAgentId(agents.data[0].agentId);
  }, [agents.data, agentId]);

  const start = useMutation({
    mutationFn: () =>
      api<BrowserCallStart>('/api/browser-calls', {
        method: 'POST',
        body: { agentId, ...(accountSid ? { accountSid } : {}) },
      }),
    onSuccess: async (info) => {
      setStarted(info);
      setProblem(undefined);
      const next = new BrowserCall(info, {
        onState: (s, detail) => {
          setState(s);
          if (detail) setProblem(detail);
          if (s === 'ended') {
            call.current = undefined;
            callRef.current?.focus();
          }
        },
        onSpeaking: setSpeaking,
      });
      call.current = next;
      try {
        await next.connect(!info.sandbox || sandboxMic);
        (info.sandbox ? sayRef.current : hangUpRef.current)?.focus();
      } catch (error) {
        setProblem(`Could not start the call: ${errorMessage(error)}`);
        next.hangUp();
      }
    },
  });

  const say = useMutation({
    mutationFn: (text: string) => api<unknown>(started?.sayPath ?? '', { method: 'POST', body: { text } }),
  });

  function submitSay(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = sayRef.current?.value.trim();
    if (!text || !started?.sayPath) return;
    say.mutate(text, {
      onSuccess: () => {
        if (sayRef.current) sayRef.current.value = '';
      },
    });
  }

  const inCall = state === 'connecting' || state === 'in-call';
  return (
    <section aria-labelledby="browser-call-title" className="card">
      <h2 id="browser-call-title">Talk to an agent</h2>
      <p className="muted">A call from this page to an agent, heard and answered like a phone call.</p>
      <div className="row">
        <div className="field">
          <label htmlFor="call-agent">Agent</label>
          <select id="call-agent" value={agentId} onChange={(e) => setAgentId(e.target.value)} disabled={inCall}>
            {(agents.data ?? []).map((a) => (
              <option key={a.agentId} value={a.agentId}>
                {a.name} ({a.agentId})
              </option>
            ))}
          </select>
        </div>
        {!inCall ? (
          <button ref={callRef} type="button" onClick={() => start.mutate()} disabled={!agentId || start.isPending}>
            Call agent
          </button>
        ) : (
          <button ref={hangUpRef} type="button" className="danger" onClick={() => call.current?.hangUp()}>
            Hang up
          </button>
        )}
        <div className="checks">
          <label>
            <input
              type="checkbox"
              checked={sandboxMic}
              onChange={(e) => setSandboxMic(e.target.checked)}
              disabled={inCall}
            />
            In the sandbox, send the microphone too
          </label>
        </div>
      </div>
      <p role="status">
        {state === 'connecting' && 'Connecting…'}
        {state === 'in-call' && (speaking ? 'In call · the agent is speaking' : 'In call')}
        {state === 'ended' && 'Call ended'}
      </p>
      <ErrorText error={start.error ?? (problem ? new Error(problem) : null)} />
      {inCall && started?.sandbox && (
        <form onSubmit={submitSay} className="row">
          <div className="field">
            <label htmlFor="call-say">Say</label>
            <input id="call-say" ref={sayRef} type="text" autoComplete="off" />
          </div>
          <button type="submit" disabled={say.isPending}>
            Say it
          </button>
          <ErrorText error={say.error} />
        </form>
      )}
    </section>
  );
}
