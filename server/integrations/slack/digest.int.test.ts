import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor } from "@/server/testing/factories";
import { digestChannels, postDigest } from "./digest";
import { startSlackTestServer, type SlackTestServer } from "./testing/slack-server";

/** The daily digest through the real Web API client to the Slack fake. */

const db = testDb();
let s: SlackTestServer;
let linkId: string;
let quietLinkId: string;
const TEAM = "TDIGEST";
const now = new Date();

beforeAll(async () => {
  s = await startSlackTestServer(db);
  const owner = await createUser(db, "Digest Owner");
  const ws = await createWorkspaceFor(db, owner, "Digest");
  expect((await s.install(owner.id, ws.slug, TEAM, "Digest Co")).location).toMatch(/slack=connected$/);
  const installation = await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM } });
  const [api, quiet] = await Promise.all([
    db.project.create({ data: { workspaceId: ws.id, name: "api" } }),
    db.project.create({ data: { workspaceId: ws.id, name: "quiet" } }),
  ]);
  const base = { workspaceId: ws.id, installationId: installation.id, digest: true };
  linkId = (await db.slackChannelLink.create({ data: { ...base, channelId: "CDIG", channelName: "api", projectId: api.id } })).id;
  quietLinkId = (await db.slackChannelLink.create({ data: { ...base, channelId: "CQUIET", channelName: "quiet", projectId: quiet.id } }))
    .id;
  const task = (number: number, status: "succeeded" | "failed", hoursAgo: number, error?: string) => ({
    workspaceId: ws.id,
    projectId: api.id,
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
    data: [task(1, "succeeded", 2), task(2, "failed", 3, "Tests timed out"), task(3, "succeeded", 30)],
  });
});

afterAll(async () => {
  await s?.close();
});

describe("daily digest", () => {
  it("posts the last day's tasks of each opted-in channel, and nothing for a quiet one", async () => {
    expect(await digestChannels(db)).toEqual(expect.arrayContaining([linkId, quietLinkId]));
    expect(await postDigest(db, linkId, now)).toEqual({ posted: true });
    expect(await postDigest(db, quietLinkId, now)).toEqual({ posted: false });
    const posts = s.fake.callsOf("chat.postMessage", TEAM);
    expect(posts.map((p) => p.args.channel)).toEqual(["CDIG"]);
    const text = String(posts[0]!.args.text);
    expect(text).toMatch(/^\*Daily digest for api\*: 2 tasks · 1 succeeded · 1 failed · 0 in progress · \$0\.0030/);
    expect(text).toMatch(/\|#2> Question 2: Tests timed out/);
    expect(text).not.toMatch(/Question 3/);
  });
});
