import pg from "pg";

/**
 * The texts of the statements `fn` sends through this process's pg clients (the pool's and
 * Prisma's adapter's) that match `pattern`, in the order sent. Other work in the process that
 * matches is recorded too, so pick a pattern only the code under test sends.
 */
export async function statementsSent<T>(pattern: RegExp, fn: () => Promise<T>): Promise<{ result: T; texts: string[] }> {
  const texts: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === "string" ? first : ((first as { text?: string } | undefined)?.text ?? "");
    if (pattern.test(text)) texts.push(text);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    return { result: await fn(), texts };
  } finally {
    pg.Client.prototype.query = query;
  }
}
