import { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setInngest } from "@/inngest/client";
import { pollUntil } from "@/server/runners/testing/real-runner";
import type { Actor } from "../audit/record";
import { resendLostDecisions } from "./decision-sweep";
import { approveTask, cancelTask, rejectTask } from "./decisions";
import { createTask } from "./intake";
import { startPipelineHarness, type PipelineHarness } from "./testing/pipeline-harness";

/** Decisions recorded while their event could not be sent, delivered later by the sweep. */

let h: PipelineHarness;
let actor: Actor;

beforeAll(async () => {
  h = await startPipelineHarness({ pipeline: { stepTimeoutMs: 3000, retries: 1 } });
  actor = { type: "user", id: h.owner.id, label: h.owner.email };
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const awaitingApproval = async (question: string) => {
  const { task } = await createTask(
    h.db,
    h.workspace.id,
    actor,
    { projectId: h.projectId, task: { kind: "ask", question }, requireApproval: true },
    { source: "web" },
  );
  await h.waitForTask(task.id, ["awaiting_approval"]);
  return task;
};

/** Decides while the event API cannot be reached (the client points at a closed port). */
async function withEventsLost<T>(decide: () => Promise<T>): Promise<T> {
  setInngest(new Inngest({ id: h.executor.inngest.id, eventKey: "k", baseUrl: "http://127.0.0.1:9", isDev: false }));
  try {
    return await decide();
  } finally {
    setInngest(h.executor.inngest);
  }
}

const runOf = async (taskId: string) => (await h.executor.executor.listRuns({ eventData: { taskId } }))[0];
// Other test files share the database: each sweep here looks at this file's workspace only.
const later = () => ({ now: Date.now() + 2 * 60_000, workspaceId: h.workspace.id });

describe("decision sweep", { timeout: 90_000 }, () => {
  it("resends an approval whose event was lost, and the run goes on", async () => {
    const task = await awaitingApproval("Approve while the event API is down");
    const approved = await withEventsLost(() => approveTask(h.db, h.workspace.id, actor, task.id));
    expect(approved.decidedAt).not.toBeNull(); // the person's decision stands
    expect(await resendLostDecisions(h.db, { workspaceId: h.workspace.id })).toBe(0); // not before a minute has passed
    expect((await h.db.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe("awaiting_approval");
    expect(await resendLostDecisions(h.db, later())).toBeGreaterThanOrEqual(1);
    const step = await pollUntil(
      () => h.db.taskStep.findUnique({ where: { taskId_name: { taskId: task.id, name: "approval" } } }),
      (s) => s?.status === "succeeded",
      30_000,
      "the pipeline to record the approval",
    );
    expect(step?.detail).toBe(`by ${h.owner.email}`);
  });

  it("resends a rejection and a cancellation while their runs still wait, and stops once they ended", async () => {
    const rejected = await awaitingApproval("Reject while the event API is down");
    const cancelled = await awaitingApproval("Cancel while the event API is down");
    await withEventsLost(async () => {
      await rejectTask(h.db, h.workspace.id, actor, rejected.id, "not now");
      await cancelTask(h.db, h.workspace.id, actor, cancelled.id);
    });
    expect((await runOf(rejected.id))?.status).toBe("running");
    expect((await runOf(cancelled.id))?.status).toBe("running");
    expect(await resendLostDecisions(h.db, later())).toBeGreaterThanOrEqual(2);
    await h.executor.waitForRun((runs) =>
      [rejected.id, cancelled.id].every((id) => runs.some((r) => r.event.data.taskId === id && r.status === "cancelled")),
    );
    const events = await h.executor.executor.listRuns({ eventDataIn: { key: "taskId", values: [rejected.id, cancelled.id] } });
    expect(events.map((r) => r.error?.message).sort()).toEqual([
      expect.stringMatching(/Cancelled by event "task\/cancel.requested"/),
      expect.stringMatching(/Cancelled by event "task\/rejected"/),
    ]);
    await pollUntil(
      () => resendLostDecisions(h.db, later()),
      (n) => n === 0,
      10_000,
      "nothing left to resend",
    );
  });
});
