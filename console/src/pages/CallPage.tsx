import { usePageTitle } from '../page-title';

export function CallPage() {
  usePageTitle('Call');
  return <h1>Call</h1>;
}
