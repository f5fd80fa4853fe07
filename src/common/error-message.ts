/** The message of anything thrown, for logs and errors (a non-Error is stringified). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
