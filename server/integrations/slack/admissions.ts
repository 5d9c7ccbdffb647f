import type { Db } from "@/server/db";
import type { Actor } from "@/server/features/audit/record";
import { monthlyTaskCap, planOf } from "@/server/features/billing/plans";
import { alertTaskQuota, type TaskReservation } from "@/server/features/billing/quotas";
import { checkRateLimit } from "@/server/features/billing/rate-limit";
import { admitTask, createTask, startPipeline, type IntakeOptions } from "@/server/features/tasks/intake";
import type { CreateTaskInput } from "@/server/features/tasks/schemas";
import type { Task } from "@/server/generated/prisma/client";
import { monthKey } from "@/server/features/usage/period";
import { batcher, type Batcher, type Settled } from "./batcher";

/**
 * Task intake for the Slack drain, with the same contract as createTask (idempotent on the
 * delivery id, the same refusals) but group-committed: the admissions of one workspace that
 * arrive while its previous ones are being written run as intake's own statement (admitTask), one
 * after another in ONE transaction, so a burst costs one commit (and one hold of the workspace
 * row) instead of one each. A statement that throws (the month's cap, a repeated delivery) undoes
 * the transaction: that command then goes through createTask alone and the others are written
 * again without it, so one refusal never fails its neighbours.
 */

type Admission = { workspaceId: string; actor: Actor; input: CreateTaskInput; opts: IntakeOptions; now: Date };
type Admitted = Awaited<ReturnType<typeof admitTask>>;
type Outcome = { row: Admitted } | { done: { task: Task; created: boolean } };

/** A burst of one workspace in one transaction: few enough that the row is not held long. */
const MAX_BATCH = 50;
/** Transactions at once (each holds one of the app pool's connections). */
const CONCURRENCY = 3;

const perDb = new WeakMap<Db, Batcher<Admission, Outcome>>();

export async function createSlackTask(
  db: Db,
  workspaceId: string,
  actor: Actor,
  input: CreateTaskInput,
  opts: IntakeOptions,
): Promise<{ task: Task; created: boolean }> {
  // Counted here, as createTask counts channel webhooks; a command sent back to createTask below counts twice.
  await checkRateLimit(db, { id: workspaceId }, "webhook");
  let admit = perDb.get(db);
  if (!admit) {
    admit = batcher<Admission, Outcome>({
      run: (items) => admitAll(db, items),
      key: (a) => a.workspaceId,
      maxBatch: MAX_BATCH,
      concurrency: CONCURRENCY,
    });
    perDb.set(db, admit);
  }
  const now = new Date();
  const outcome = await admit({ workspaceId, actor, input, opts, now });
  if ("done" in outcome) return outcome.done;
  return { task: await started(db, workspaceId, outcome.row, now), created: true };
}

async function admitAll(db: Db, items: Admission[]): Promise<Settled<Outcome>[]> {
  const out: Settled<Outcome>[] = new Array(items.length);
  let todo = items.map((_, i) => i);
  const alone = async (i: number) => {
    const a = items[i]!;
    try {
      out[i] = { value: { done: await createTask(db, a.workspaceId, a.actor, a.input, a.opts) } };
    } catch (error) {
      out[i] = { error };
    }
  };
  while (todo.length > 0) {
    let current = -1;
    let rows: Admitted[] = [];
    const admitEach = async (client: Db) => {
      rows = [];
      for (const i of todo) {
        current = i;
        const a = items[i]!;
        rows.push(await admitTask(client, a.workspaceId, a.actor, a.input, a.opts, a.now));
      }
      current = -1;
    };
    try {
      // A lone statement commits by itself: BEGIN and COMMIT would be two more round trips for nothing.
      if (todo.length === 1) await admitEach(db);
      // admitTask uses only $queryRaw, which the transaction's client has.
      else await db.$transaction((tx) => admitEach(tx as unknown as Db), { maxWait: 10_000, timeout: 30_000 });
    } catch (error) {
      if (current < 0) {
        // Not a statement's refusal (the connection, the commit): all of them are retried by the inbox.
        for (const i of todo) out[i] = { error };
        break;
      }
      const culprit = current;
      await alone(culprit);
      todo = todo.filter((i) => i !== culprit);
      continue;
    }
    // Admitted nothing without throwing (archived project, read-only, no concurrent slot): createTask says why.
    const refused: number[] = [];
    todo.forEach((i, n) => {
      if (rows[n]!.id) out[i] = { value: { row: rows[n]! } };
      else refused.push(i);
    });
    for (const i of refused) await alone(i);
    todo = [];
  }
  return out;
}

/** What createTask does once its statement admitted the task: the quota alert, then task/created. */
async function started(db: Db, workspaceId: string, row: Admitted, now: Date): Promise<Task> {
  // The statement's own figures (columns starting with "_") are not the task's.
  const task = Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith("_"))) as Task;
  const plan = planOf(row._plan!);
  const reservation: TaskReservation = {
    period: monthKey(now),
    tasks: row._tasks ?? 0,
    included: plan.limits.tasksPerMonth,
    cap: monthlyTaskCap(plan, row._overage),
    overage: row._overage,
  };
  await alertTaskQuota(db, { id: workspaceId, slug: row._slug!, plan: row._plan! }, reservation);
  await startPipeline(task);
  return task;
}
