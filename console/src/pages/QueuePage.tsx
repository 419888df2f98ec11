import { usePageTitle } from '../page-title';

export function QueuePage() {
  usePageTitle('Waiting for a person');
  return <h1>Waiting for a person</h1>;
}
