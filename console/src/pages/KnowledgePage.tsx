import { usePageTitle } from '../page-title';

export function KnowledgePage() {
  usePageTitle('Knowledge');
  return <h1>Knowledge</h1>;
}
