import { usePageTitle } from '../page-title';

export function CustomerPage() {
  usePageTitle('Customer');
  return <h1>Customer</h1>;
}
