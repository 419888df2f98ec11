import { useQuery } from '@tanstack/react-query';
import type { AgentListItem } from '../../src/gateway/api-types';
import { api } from './api';

export function useAgentList() {
  return useQuery({
    queryKey: ['agents'],
    queryFn: async () => (await api<{ agents: AgentListItem[] }>('/api/agents')).agents,
    staleTime: 30_000,
  });
}
