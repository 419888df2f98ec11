import { useEffect } from 'react';

/** The document title names the page (screen readers announce it, and tabs are told apart). */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Beluga console`;
  }, [title]);
}
