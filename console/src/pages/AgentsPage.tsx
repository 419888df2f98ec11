import { usePageTitle } from '../page-title';

export function AgentsPage() {
  usePageTitle('Agents');
  return <h1>Agents</h1>;
}
