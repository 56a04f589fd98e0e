import { XtError } from '../src';

/** The error code `fn` throws, undefined when it returns; a thrown non-XtError is named as such. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof XtError ? e.code : `not an XtError: ${String(e)}`;
  }
  return undefined;
}
