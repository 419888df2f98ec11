import type { LineConfig, MessagingSwitch, TwilioAccount, VoiceSwitch } from '../config/schema';
import { DEFAULT_AGENT_ID } from './default-agent';

/** Spoken to a call on a line that does not take calls, when nothing else is configured. */
export const DEFAULT_DISABLED_MESSAGE = 'Sorry, this line is not taking calls right now. Goodbye.';

/** A line's settings changed through the operator API: they win over the file's, field by field. */
export type LineOverride = Omit<Partial<LineConfig>, 'address'>;

/** Who answers a line on one kind of channel, and whether it answers at all. */
export interface LineRoute {
  agentId: string;
  enabled: boolean;
  /** Voice: said before hanging up on a refused call. */
  disabledMessage?: string;
  /** Messaging: the reply to a refused message (none when absent). */
  disabledReply?: string;
}

/**
 * The line an address belongs to: exact match first; a WhatsApp sender falls back to the number's
 * own line (one number often serves SMS, voice and WhatsApp).
 */
function findLine(lines: readonly LineConfig[], address: string): LineConfig | undefined {
  const exact = lines.find((l) => l.address === address);
  if (exact || !address.startsWith('whatsapp:')) return exact;
  return lines.find((l) => l.address === address.slice('whatsapp:'.length));
}

/**
 * Routes our end of a call or message (`address`: the number called, the number or WhatsApp
 * sender texted, or the Conversations service sid) to its agent and switch. The most specific
 * setting wins: an operator override, then the file's line, then the account, then the defaults.
 */
export function routeLine(
  account: Pick<TwilioAccount, 'agent' | 'voice' | 'messaging' | 'lines'>,
  address: string,
  kind: 'voice' | 'messaging',
  override?: LineOverride,
): LineRoute {
  const line = findLine(account.lines, address);
  const agentId = override?.agent ?? line?.agent ?? account.agent ?? DEFAULT_AGENT_ID;
  const layers: Array<VoiceSwitch & MessagingSwitch> = [
    kind === 'voice' ? account.voice : account.messaging,
    (kind === 'voice' ? line?.voice : line?.messaging) ?? {},
    (kind === 'voice' ? override?.voice : override?.messaging) ?? {},
  ];
  const merged = Object.assign(
    {},
    ...layers.map((l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined))),
  ) as VoiceSwitch & MessagingSwitch;
  const enabled = merged.enabled ?? true;
  if (kind === 'voice')
    return {
      agentId,
      enabled,
      ...(enabled ? {} : { disabledMessage: merged.disabledMessage ?? DEFAULT_DISABLED_MESSAGE }),
    };
  return { agentId, enabled, ...(!enabled && merged.disabledReply ? { disabledReply: merged.disabledReply } : {}) };
}
