import { usePageTitle } from '../page-title';

export function CustomersPage() {
  usePageTitle('Customers');
  return <h1>Customers</h1>;
}
