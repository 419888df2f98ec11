import { useId } from 'react';
import type { CallTurn, TurnLatency } from '../../src/gateway/api-types';

const PARTS = [
  { key: 'stt', label: 'STT', of: (l: TurnLatency) => l.sttMs },
  { key: 'llm', label: 'LLM', of: (l: TurnLatency) => l.llmFirstChunkMs },
  { key: 'tts', label: 'TTS', of: (l: TurnLatency) => l.ttsFirstByteMs },
  { key: 'overhead', label: 'Overhead', of: (l: TurnLatency) => l.overheadMs },
] as const;

const ROW = 28;
const LABEL = 70;
const WIDTH = 640;
const TOTAL_LABEL = 70;

const ms = (n: number) => `${Math.round(n)} ms`;

/**
 * Where each reply's time went: one stacked bar per agent turn (STT, LLM to the first speakable
 * chunk, TTS to the first byte, the pipeline's own overhead). Each bar and part has a <title>; the
 * same numbers are in a table for screen readers and for reading exact values.
 */
export function LatencyChart({ turns }: { turns: CallTurn[] }) {
  const id = useId();
  const measured = turns.filter((t): t is CallTurn & { latency: TurnLatency } => t.role === 'agent' && !!t.latency);
  if (measured.length === 0)
    return (
      <figure aria-labelledby={`${id}-cap`}>
        <figcaption id={`${id}-cap`}>Latency per turn</figcaption>
        <p className="muted">No turn of this call has latency measurements.</p>
      </figure>
    );
  const total = (l: TurnLatency) => PARTS.reduce((sum, p) => sum + Math.max(0, p.of(l)), 0);
  const max = Math.max(1, ...measured.map((t) => total(t.latency)));
  const scale = (WIDTH - LABEL - TOTAL_LABEL) / max;
  const height = measured.length * ROW + 8;
  return (
    <figure className="chart" aria-labelledby={`${id}-cap`}>
      <figcaption id={`${id}-cap`}>Latency per turn</figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        width={WIDTH}
        height={height}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <title id={`${id}-title`}>Latency per turn</title>
        <desc id={`${id}-desc`}>
          Stacked bars, one per agent turn: STT, LLM, TTS and overhead in milliseconds. The table below has the same
          numbers.
        </desc>
        {measured.map((t, row) => {
          let x = LABEL;
          const y = row * ROW + 4;
          return (
            <g key={t.turnId} className="turn-bar">
              <title>{`Turn ${t.turnId}: ${ms(total(t.latency))} to first audio`}</title>
              <text x={0} y={y + 15}>
                Turn {t.turnId}
              </text>
              {PARTS.map((p) => {
                const value = Math.max(0, p.of(t.latency));
                const width = value * scale;
                const rect = (
                  <rect key={p.key} className={p.key} x={x} y={y} width={Math.max(width, 0)} height={ROW - 8}>
                    <title>{`${p.label} ${ms(value)}`}</title>
                  </rect>
                );
                x += width;
                return rect;
              })}
              <text x={x + 6} y={y + 15}>
                {ms(total(t.latency))}
              </text>
            </g>
          );
        })}
      </svg>
      <ul className="legend" aria-label="Legend">
        {PARTS.map((p) => (
          <li key={p.key}>
            <span className={`swatch ${p.key}`} aria-hidden="true" />
            {p.label}
          </li>
        ))}
      </ul>
      <details>
        <summary>Latency table</summary>
        <div className="table-wrap">
          <table>
            <caption>Latency per turn in milliseconds</caption>
            <thead>
              <tr>
                <th scope="col">Turn</th>
                {PARTS.map((p) => (
                  <th key={p.key} scope="col" className="num">
                    {p.label}
                  </th>
                ))}
                <th scope="col" className="num">
                  End of speech to first audio
                </th>
              </tr>
            </thead>
            <tbody>
              {measured.map((t) => (
                <tr key={t.turnId}>
                  <th scope="row">{t.turnId}</th>
                  {PARTS.map((p) => (
                    <td key={p.key} className="num">
                      {Math.round(p.of(t.latency))}
                    </td>
                  ))}
                  <td className="num">{Math.round(t.latency.endOfSpeechToFirstAudioMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
