import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { parseEnv } from "@/server/env";
import { inngestSettings } from "./client";
import { startHarness, type Harness } from "./executor/test-harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const embeddedEnv = (secret: string) => parseEnv({ AUTH_SECRET: secret });

describe("Inngest settings from env", () => {
  it("derives the embedded executor's event key from AUTH_SECRET, never a constant", () => {
    const a = inngestSettings(embeddedEnv("a".repeat(40)));
    const b = inngestSettings(embeddedEnv("b".repeat(40)));
    expect(a.mode).toBe("embedded");
    expect(a.eventKey).toMatch(/^[0-9a-f]{64}$/);
    expect(a.eventKey).not.toBe(b.eventKey);
    expect(a.eventKey).not.toBe(a.signingKey?.replace(/^signkey-prod-/, ""));
    expect(inngestSettings(embeddedEnv("a".repeat(40))).eventKey).toBe(a.eventKey);
  });

  it("refuses to run the embedded executor without AUTH_SECRET, saying what to set", () => {
    expect(() => inngestSettings(parseEnv({}))).toThrow(/AUTH_SECRET is not set.*INNGEST_SIGNING_KEY and INNGEST_EVENT_KEY/);
  });

  it("requires an event key for a self-hosted Inngest server", () => {
    const signingKey = `signkey-prod-${"ab".repeat(32)}`;
    expect(() => parseEnv({ INNGEST_BASE_URL: "http://inngest:8288", INNGEST_SIGNING_KEY: signingKey })).toThrow(
      /INNGEST_EVENT_KEY is required with INNGEST_BASE_URL/,
    );
    const env = parseEnv({ INNGEST_BASE_URL: "http://inngest:8288", INNGEST_SIGNING_KEY: signingKey, INNGEST_EVENT_KEY: "ek" });
    expect(inngestSettings(env)).toMatchObject({ mode: "self-hosted", eventKey: "ek" });
  });
});

describe("the embedded executor's public event API", () => {
  it("refuses the old constant key and a wrong key, and stores nothing", async () => {
    const settings = inngestSettings(embeddedEnv("s".repeat(40)));
    h = await startHarness((i) => [i.createFunction({ id: "approval", triggers: [{ event: "task/approved" }] }, async () => "approved")], {
      executor: { eventKey: settings.eventKey },
    });
    const post = (key: string) =>
      h!.executor.handleEventApi(
        new Request(`http://localhost/api/inngest/executor/e/${key}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "task/approved", data: { taskId: "t1", workspaceId: "w1", by: "mallory" } }),
        }),
      );
    for (const key of ["embedded", "wrong", settings.eventKey!.slice(0, -1)]) {
      const res = await post(key);
      expect(res.status, key).toBe(401);
    }
    const db = new pg.Client({ connectionString: h.databaseUrl });
    await db.connect();
    try {
      const count = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM inngest_executor.events")).rows[0]!.n;
      expect(await count()).toBe(0);
      expect(await h.executor.listRuns()).toHaveLength(0);
      expect((await post(settings.eventKey!)).status).toBe(200);
      expect(await count()).toBe(1);
    } finally {
      await db.end();
    }
  });
});
