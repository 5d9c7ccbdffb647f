/** The shape the tRPC error formatter gives input validation failures (z.flattenError). */
type ErrorWithZod = { message: string; data?: { zodError?: { fieldErrors: unknown; formErrors: string[] } | null } | null } | null;

/** First message per field of a tRPC input validation error, or {} for other errors. */
export function fieldErrorsOf(error: ErrorWithZod): Record<string, string | undefined> {
  const fields = (error?.data?.zodError?.fieldErrors ?? {}) as Record<string, string[] | undefined>;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v?.[0]]));
}

/** The message to show above a form: none when a field carries it, the server's message otherwise. */
export function formErrorOf(error: ErrorWithZod, shownFields: string[]): string | null {
  if (!error) return null;
  const zod = error.data?.zodError;
  if (!zod) return error.message;
  const fields = fieldErrorsOf(error);
  if (shownFields.some((f) => fields[f])) return null;
  return zod.formErrors[0] ?? "Some values are not valid. Check the form and try again.";
}
