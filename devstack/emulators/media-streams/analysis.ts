/** Post-call checks on what the caller heard. */
import type { PlaybackGap, PlayedSegment } from './types';

/**
 * Underruns: stretches longer than `minGapMs` with nothing playing, between the first and last
 * audio of one agent response. A response is the audio between the ends of two consecutive caller
 * utterances (so a reply and its barge-in tail count as one); a gap with a `clear` in it is the app
 * stopping on purpose, not an underrun.
 */
export function findPlaybackGaps(
  played: readonly PlayedSegment[],
  utteranceEnds: readonly number[],
  clears: readonly number[],
  minGapMs = 20,
): PlaybackGap[] {
  const ends = [...utteranceEnds].sort((a, b) => a - b);
  const responseOf = (at: number): number => {
    let index = 0;
    while (index < ends.length && ends[index]! <= at) index++;
    return index;
  };
  const gaps: PlaybackGap[] = [];
  for (let i = 1; i < played.length; i++) {
    const previous = played[i - 1]!;
    const next = played[i]!;
    const durationMs = next.startAt - previous.endAt;
    if (durationMs <= minGapMs) continue;
    const responseIndex = responseOf(next.startAt);
    if (responseOf(previous.startAt) !== responseIndex) continue;
    if (clears.some((at) => at >= previous.endAt && at <= next.startAt)) continue;
    gaps.push({ startAt: previous.endAt, endAt: next.startAt, durationMs, responseIndex });
  }
  return gaps;
}
