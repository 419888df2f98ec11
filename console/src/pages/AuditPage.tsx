import { usePageTitle } from '../page-title';

export function AuditPage() {
  usePageTitle('Audit');
  return <h1>Audit</h1>;
}
