import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slackDigest } from "@/inngest/functions/slack/digest";
import { startHarness, type Harness } from "@/inngest/executor/test-harness";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor } from "@/server/testing/factories";
import { startSlackTestServer, type SlackTestServer } from "./testing/slack-server";

/**
 * The daily digest through its cron function on the embedded executor (fired by the executor's
 * clock at 09:00 UTC) and the real Web API client to the Slack fake.
 */

const db = testDb();
let s: SlackTestServer;
let executor: Harness;
const TEAM = "TDIGEST";
const now = new Date();

beforeAll(async () => {
  s = await startSlackTestServer(db);
  executor = await startHarness((i) => [slackDigest(i)]);
  const owner = await createUser(db, "Digest Owner");
  const ws = await createWorkspaceFor(db, owner, "Digest");
  expect((await s.install(owner.id, ws.slug, TEAM, "Digest Co")).location).toMatch(/slack=connected$/);
  const installation = await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM } });
  const [api, quiet, off] = await Promise.all([
    db.project.create({ data: { workspaceId: ws.id, name: "api" } }),
    db.project.create({ data: { workspaceId: ws.id, name: "quiet" } }),
    db.project.create({ data: { workspaceId: ws.id, name: "off" } }),
  ]);
  const base = { workspaceId: ws.id, installationId: installation.id };
  await db.slackChannelLink.createMany({
    data: [
      { ...base, digest: true, channelId: "CDIG", channelName: "api", projectId: api.id },
      { ...base, digest: true, channelId: "CQUIET", channelName: "quiet", projectId: quiet.id },
      { ...base, digest: false, channelId: "COFF", channelName: "off", projectId: off.id },
    ],
  });
  const task = (projectId: string, number: number, status: "succeeded" | "failed", hoursAgo: number, error?: string) => ({
    workspaceId: ws.id,
    projectId,
    number,
    kind: "ask",
    title: `Question ${number}`,
    input: { kind: "ask", question: "q" },
    source: "slack",
    status,
    error: error ?? null,
    costMicros: 1500,
    createdByLabel: owner.email,
    createdAt: new Date(now.getTime() - hoursAgo * 3600_000),
  });
  await db.task.createMany({
    data: [
      task(api.id, 1, "succeeded", 2),
      task(api.id, 2, "failed", 3, "Tests timed out"),
      task(api.id, 3, "succeeded", 30),
      task(off.id, 4, "succeeded", 1),
    ],
  });
});

afterAll(async () => {
  await executor?.close();
  await s?.close();
});

describe("daily digest", () => {
  it("the 09:00 UTC cron posts the last day's tasks of each opted-in channel, and nothing for a quiet or opted-out one", async () => {
    // The executor's clock starts at 2030-01-01T00:00Z: nothing is due before 09:00.
    executor.clock.set(Date.parse("2030-01-01T08:59:00Z"));
    await new Promise((r) => setTimeout(r, 200));
    expect(await executor.executor.listRuns()).toHaveLength(0);
    executor.clock.set(Date.parse("2030-01-01T09:00:00Z"));
    const [run] = await executor.waitForRun((rs) => rs[0]?.status === "completed", 20_000);
    expect(run!.functionId).toMatch(/slack-daily-digest$/);
    expect(run!.output).toMatchObject({ posted: 1 });
    const posts = s.fake.callsOf("chat.postMessage", TEAM);
    expect(posts.map((p) => p.args.channel)).toEqual(["CDIG"]);
    const text = String(posts[0]!.args.text);
    expect(text).toMatch(/^\*Daily digest for api\*: 2 tasks · 1 succeeded · 1 failed · 0 in progress · \$0\.0030/);
    expect(text).toMatch(/\|#2> Question 2: Tests timed out/);
    expect(text).not.toMatch(/Question 3/);
  });
});
