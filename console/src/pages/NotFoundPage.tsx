import { Link } from 'react-router';
import { usePageTitle } from '../page-title';

export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no such page in the console. <Link to="/live">Go to live calls</Link>.
      </p>
    </>
  );
}
