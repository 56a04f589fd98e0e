import { useEffect } from 'react';

/** Calls `onEscape` when the Escape key is pressed anywhere on the page, for as long as the caller is mounted. */
export function useEscapeKey(onEscape: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onEscape();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onEscape]);
}
