import { createServer } from "node:net";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createDb } from "./db";
import { isDatabaseUnavailable, toAppError } from "./errors";

/** Real errors from real clients aimed at a closed port: which ones mean "the database is down". */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("database outages become 503 UNAVAILABLE", () => {
  it("recognises pg's and Prisma's connection failures", async () => {
    const url = `postgresql://postgres@127.0.0.1:${await closedPort()}/none`;
    const pool = new pg.Pool({ connectionString: url });
    const viaPg = await caught(() => pool.query("SELECT 1"));
    await pool.end();
    const db = createDb(url);
    const viaPrisma = await caught(() => db.user.findFirst());
    await db.$disconnect();
    for (const error of [viaPg, viaPrisma]) {
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(toAppError(error)).toMatchObject({ code: "UNAVAILABLE", details: { retryAfterSeconds: 5 } });
    }
  });

  it("leaves another client's refused connection (fetch to a model provider) an internal error", async () => {
    const port = await closedPort();
    const error = await caught(() => fetch(`http://127.0.0.1:${port}/v1/models`));
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(toAppError(error).code).toBe("INTERNAL");
  });
});
