import type { TakeoverState } from '../../../src/gateway/api-types';
import { Badge } from '../ui';

export function TakeoverBadge({ state }: { state: TakeoverState }) {
  if (state === 'agent') return <Badge tone="ok">agent</Badge>;
  if (state === 'waiting') return <Badge tone="warn">waiting for a person</Badge>;
  return <Badge tone="info">a person</Badge>;
}
