import { usePageTitle } from '../page-title';

export function HealthPage() {
  usePageTitle('Health');
  return <h1>Health</h1>;
}
