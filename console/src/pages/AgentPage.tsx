import { usePageTitle } from '../page-title';

export function AgentPage() {
  usePageTitle('Agent');
  return <h1>Agent</h1>;
}
