/** The message of a thrown value, for logs and dialogs. Pure. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
