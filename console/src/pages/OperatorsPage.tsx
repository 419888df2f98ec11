import { usePageTitle } from '../page-title';

export function OperatorsPage() {
  usePageTitle('Operators');
  return <h1>Operators</h1>;
}
