import { usePageTitle } from '../page-title';

export function CallsPage() {
  usePageTitle('Calls');
  return <h1>Calls</h1>;
}
