import { usePageTitle } from '../page-title';

export function LivePage() {
  usePageTitle('Live calls');
  return <h1>Live calls</h1>;
}
