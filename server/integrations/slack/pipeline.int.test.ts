import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPipelineHarness, type PipelineHarness } from "@/server/features/tasks/testing/pipeline-harness";
import { addMakefile, createTapRepo, pollUntil } from "@/server/runners/testing/real-runner";
import type { SlackCall } from "@/test/fakes/slack";
import { startSlackTestServer, type SlackTestServer } from "./testing/slack-server";

/**
 * Slack end to end: signed slash commands -> tasks through the real pipeline on the embedded
 * executor -> a real `jace-runner` (tiny GGUF model, sandboxed tests on a local repository) ->
 * the thread: status edited in place, plan with buttons, approval by click, result reply.
 */

let h: PipelineHarness;
let s: SlackTestServer;
let repo: string;
const TEAM = "TPIPE";
const CHANNEL = "CPIPE1";
const OWNER = "UOWNER";

const blocksText = (c: SlackCall) => JSON.stringify(c.args.blocks ?? "");
const inThread = (ts: string) => s.fake.callsOf("chat.postMessage", TEAM).filter((c) => c.args.thread_ts === ts);

async function submit(text: string) {
  const since = new Date();
  const res = await s.command(TEAM, OWNER, CHANNEL, text);
  expect(res.body?.text).toMatch(/^Working on it/);
  const task = (await pollUntil(
    () => h.db.task.findFirst({ where: { workspaceId: h.workspace.id, source: "slack", createdAt: { gte: since } } }),
    Boolean,
    10_000,
    "the task",
  ))!;
  const thread = await pollUntil(
    () => h.db.slackThread.findUnique({ where: { taskId: task.id } }),
    (t) => Boolean(t?.threadTs && t.threadTs !== "pending"),
    10_000,
    "the thread",
  );
  return { task, rootTs: thread!.threadTs! };
}

beforeAll(async () => {
  h = await startPipelineHarness({ pipeline: { maxAnswerTokens: 48, maxPlanTokens: 96, stepTimeoutMs: 5000, retries: 1 } });
  s = await startSlackTestServer(h.db);
  repo = createTapRepo(join(h.root, "repo"));
  addMakefile(repo);
  const runner = h.fleet.start(await h.fleet.enroll("box"));
  await h.fleet.waitOnline(runner);
  expect((await s.install(h.owner.id, h.workspace.slug, TEAM, "Pipeline Co")).location).toMatch(/slack=connected$/);
  s.fake.addUser(TEAM, { id: OWNER, email: h.owner.email });
  s.fake.addChannel(TEAM, CHANNEL, "api-dev");
  expect(await s.reply(await s.command(TEAM, OWNER, CHANNEL, "project link api"))).toMatch(/answers for the project \*api\*/);
}, 120_000);

afterAll(async () => {
  await s?.close();
  await h?.close();
});

describe("Slack tasks through the pipeline", { timeout: 120_000 }, () => {
  it("`/jace ask` is answered on a runner and the answer arrives in the thread", async () => {
    const { task, rootTs } = await submit("ask What is a flaky test?");
    const done = await h.waitForTask(task.id, ["succeeded", "failed"]);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    const [reply] = await pollUntil(
      async () => inThread(rootTs),
      (c) => c.length > 0,
      10_000,
      "the result reply",
    );
    expect(String(reply!.args.text)).toBe(`Result of #${task.number}`);
    expect(blocksText(reply!)).toContain(`/w/${h.workspace.slug}/tasks/${task.id}|Open the task`);
    expect(blocksText(reply!)).toMatch(/Cost \$\d+\.\d{4}/);
    expect(done.costMicros).toBeGreaterThan(0);
    // Progress went into the root message, edited in place, and ends on the final status.
    const edits = await pollUntil(
      async () => s.fake.callsOf("chat.update", TEAM).filter((c) => c.args.ts === rootTs),
      (c) => c.some((x) => /Succeeded/.test(String(x.args.text))),
      10_000,
      "the final status edit",
    );
    expect(edits.length).toBeGreaterThanOrEqual(1);
    expect(inThread(rootTs)).toHaveLength(1);
  });

  it("`/jace test` waits for approval with buttons, runs when approved by click, and reports the test summary", async () => {
    const { task, rootTs } = await submit(`test ${repo} main`);
    await h.waitForTask(task.id, ["awaiting_approval", "failed"]);
    const [plan] = await pollUntil(
      async () => inThread(rootTs),
      (c) => c.length > 0,
      10_000,
      "the plan",
    );
    expect(String(plan!.args.text)).toMatch(new RegExp(`^Plan for #${task.number}`));
    expect(blocksText(plan!)).toContain('"action_id":"jace_approve"');
    expect(blocksText(plan!)).toContain(`"value":"${task.id}"`);

    expect(await s.action(TEAM, OWNER, CHANNEL, "jace_approve", task.id)).toBe(200);
    const done = await h.waitForTask(task.id, ["succeeded", "failed"], 90_000);
    // One of the repository's four tests fails: the task fails as a CI run would, and says so.
    expect(done.status).toBe("failed");
    expect(done.statusReason).toBe("Tests failed: 1 of 4");
    expect(done.decidedByLabel).toBe(h.owner.email);
    const replies = await pollUntil(
      async () => inThread(rootTs),
      (c) => c.length >= 2,
      10_000,
      "the result",
    );
    const result = replies.find((c) => String(c.args.text).startsWith(`#${task.number} failed`))!;
    expect(String(result.args.text)).toBe(`#${task.number} failed: Tests failed: 1 of 4`);
    expect(blocksText(result)).toMatch(/divides by zero/);
    expect(blocksText(result)).toContain("*Tests:* 3 passed, 1 failed, 0 skipped (4 total)");
    // The result is the only reply besides the plan (no second failure message), and the root says why.
    expect(inThread(rootTs)).toHaveLength(2);
    await pollUntil(
      async () => s.fake.callsOf("chat.update", TEAM).filter((c) => c.args.ts === rootTs),
      (c) => c.some((x) => /Failed · Tests failed: 1 of 4/.test(blocksText(x))),
      10_000,
      "the root to say why the task failed",
    );
    // The plan's buttons were replaced by who approved it.
    const planTs = (await h.db.slackThread.findUniqueOrThrow({ where: { taskId: task.id } })).planTs!.replace(/:closed$/, "");
    const closed = await pollUntil(
      async () => s.fake.callsOf("chat.update", TEAM).filter((c) => c.args.ts === planTs),
      (c) => c.length > 0,
      10_000,
      "the plan update",
    );
    expect(blocksText(closed[0]!)).toContain(`Approved by ${h.owner.email}`);
    expect(blocksText(closed[0]!)).not.toContain("jace_approve");
  });
});
