/**
 * A call's transcript as chunks: one per turn (a long turn in sentence-aligned parts), each with the
 * turn before it as context. Per turn, because a hit then cites exactly who said what and when
 * (call sid, turn, speaker, time), and a turn is one idea long — the size embeddings match best.
 * With the previous turn, because a short answer ("yes, the blue one", "it ships tomorrow") means
 * nothing without the question it answers. Pure: the same call gives the same chunks with the same
 * ids, so indexing it again (a retried activity, a replayed workflow) replaces them, never duplicates.
 */
import type { CallRecord } from '../../voice/call-store';
import type { CallTurn } from '../../voice/call-types';
import type { Chunk } from '../types';
import { CONTEXT_CHARS, clip, dayOf, partyName, splitText } from './chunk-text';

/** What indexing needs of a call record. */
export type CallForIndexing = Pick<
  CallRecord,
  'callSid' | 'accountSid' | 'customerId' | 'remote' | 'startedAt' | 'turns'
>;

/** `call:<CallSid>:<turnId>:<role>` (the id of the turn's message in the history too); later parts add `#<n>`. */
function callChunkId(callSid: string, turn: Pick<CallTurn, 'turnId' | 'role'>, part = 0): string {
  return `call:${callSid}:${turn.turnId}:${turn.role}${part > 0 ? `#${part + 1}` : ''}`;
}

/** "Call with +14155550100 on 2026-11-02". */
function callTitle(call: Pick<CallForIndexing, 'remote' | 'startedAt'>): string {
  return `Call with ${partyName(call.remote)} on ${dayOf(call.startedAt)}`;
}

function speakerLabel(turn: CallTurn): string {
  if (turn.role === 'agent') return 'Agent';
  return turn.source === 'dtmf' ? 'Caller (keypad)' : 'Caller';
}

/** Turns in the order they were spoken: by turn, the caller's before the agent's answer to it. */
function spokenOrder(turns: readonly CallTurn[]): CallTurn[] {
  const rank = (t: CallTurn) => (t.role === 'caller' ? 0 : 1);
  return [...turns].sort((a, b) => a.turnId - b.turnId || rank(a) - rank(b) || a.at.localeCompare(b.at));
}

/**
 * The chunks of a call's transcript. A call with no customer (it never reached the agent) has none:
 * conversation chunks are always someone's history. Agent turns hold only what the caller heard
 * (the call store keeps nothing else), so nothing the caller never heard is ever found.
 */
export function callTranscriptChunks(call: CallForIndexing): Chunk[] {
  if (!call.customerId) return [];
  const title = callTitle(call);
  const chunks: Chunk[] = [];
  let previous: CallTurn | undefined;
  for (const turn of spokenOrder(call.turns)) {
    const parts = splitText(turn.text);
    if (parts.length === 0) continue;
    const context = previous
      ? `\n(After the ${previous.role === 'agent' ? 'agent' : 'caller'} said: "${clip(previous.text, CONTEXT_CHARS)}")`
      : '';
    for (const [part, text] of parts.entries())
      chunks.push({
        id: callChunkId(call.callSid, turn, part),
        accountSid: call.accountSid,
        customerId: call.customerId,
        channel: 'voice',
        text: `${speakerLabel(turn)}: ${text}${context}`,
        title,
        source: { kind: 'call', callSid: call.callSid, turnId: String(turn.turnId), speaker: turn.role, at: turn.at },
        at: turn.at,
      });
    previous = turn;
  }
  return chunks;
}
