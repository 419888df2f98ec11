/** The live view's state, folded from `GET /api/live` events (pure, so the page only renders it). */
import type { LiveCall, LiveEvent, TakeoverView } from '../../src/gateway/api-types';

export interface LiveState {
  calls: LiveCall[];
  waiting: TakeoverView[];
  /** Whether the gateway can see the realtime workers' calls (`off`: only the queue works). */
  feed: 'on' | 'off' | 'partial';
}

export const EMPTY_LIVE: LiveState = { calls: [], waiting: [], feed: 'on' };

function updateCall(state: LiveState, callSid: string, change: (call: LiveCall) => LiveCall): LiveState {
  return { ...state, calls: state.calls.map((c) => (c.callSid === callSid ? change(c) : c)) };
}

export function applyLiveEvent(state: LiveState, event: LiveEvent): LiveState {
  switch (event.type) {
    case 'snapshot': {
      const feed = (event as { feed?: LiveState['feed'] }).feed ?? 'on';
      return { calls: event.calls, waiting: event.waiting, feed };
    }
    case 'call.started':
      return { ...state, calls: [...state.calls.filter((c) => c.callSid !== event.call.callSid), event.call] };
    case 'call.current':
      return updateCall(state, event.callSid, (c) => ({ ...c, current: event.current }));
    case 'call.turn':
      return updateCall(state, event.callSid, (c) => {
        const turns = c.turns.filter((t) => !(t.turnId === event.turn.turnId && t.role === event.turn.role));
        // The finished turn replaces what was being said for it.
        const current = c.current && c.current.role === event.turn.role ? undefined : c.current;
        return { ...c, turns: [...turns, event.turn], ...(current ? { current } : { current: undefined }) };
      });
    case 'call.ended':
      return { ...state, calls: state.calls.filter((c) => c.callSid !== event.callSid) };
    case 'takeover': {
      const others = state.waiting.filter((w) => w.customerId !== event.takeover.customerId);
      return { ...state, waiting: event.takeover.state === 'waiting' ? [...others, event.takeover] : others };
    }
    default:
      return state;
  }
}

export const LIVE_EVENT_TYPES: Array<LiveEvent['type']> = [
  'snapshot',
  'call.started',
  'call.current',
  'call.turn',
  'call.ended',
  'takeover',
];
