/**
 * The one way the book turns a caught value into words for the reader: what is
 * thrown may be an Error or anything else (a string, a DOMException from a
 * browser API, a rejected fetch), and every view and loader shows it the same way.
 */

/** The message of `err` when it is an Error, else `err` as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
