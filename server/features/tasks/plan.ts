import { NonRetriableError } from "inngest";
import type { JobSpecInput } from "@jace/gpu-runner/protocol";
import type { Db } from "@/server/db";
import type { Analysis } from "./analyze";
import { appendLog, finishStep, setTaskStatus, startStep } from "./progress";
import { taskPlan, type TaskPlan } from "./schemas";

/**
 * The plan step. `ask` and `test` have fixed plans; `custom` asks a local model for one
 * (JSON-schema output on the runner) and then waits for a person to approve it.
 */

export const SYSTEM_PROMPT = "You are Jace, an engineering assistant for a software team. Answer precisely and briefly. Use Markdown.";

/** Detects the project's test setup inside the sandbox; installs only from a lock file. */
export const INSTALL_COMMAND = "if [ -f package-lock.json ]; then npm ci --ignore-scripts --no-audit --no-fund; fi";
export const TEST_COMMAND = [
  "if [ -f package.json ]; then npm test",
  "elif [ -f pyproject.toml ] || [ -f pytest.ini ] || [ -f setup.py ]; then python3 -m pytest",
  "elif [ -f go.mod ]; then go test ./...",
  "elif [ -f Cargo.toml ]; then cargo test",
  "elif [ -f Makefile ]; then make test",
  'else echo "Jace found no test setup (package.json, pyproject.toml, go.mod, Cargo.toml or a Makefile)." >&2; exit 2; fi',
].join("; ");

const planSchema = {
  type: "object",
  properties: {
    summary: { type: "string" },
    steps: { type: "array", items: { type: "object", properties: { title: { type: "string" } }, required: ["title"] }, maxItems: 8 },
  },
  required: ["summary", "steps"],
};

export type Draft = { plan: TaskPlan } | { job: JobSpecInput };

function noModel(analysis: Analysis): NonRetriableError {
  return new NonRetriableError(
    `No runner in this workspace can serve the model "${analysis.requestedModel}" (${analysis.localReason ?? "none online"}) and this project does not allow cloud models. Enroll a runner with a GGUF model on the Runners page, then replay this task.`,
  );
}

/** Where the task's inference runs, for plans and logs. */
const where = (a: Analysis) => a.model ?? `a cloud model (${a.localReason})`;

export async function draftPlan(db: Db, taskId: string, analysis: Analysis, maxTokens = 512): Promise<Draft> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  await setTaskStatus(db, task, "planning");
  await startStep(db, task, "plan");
  const { input, model } = analysis;
  const approval = { requiresApproval: analysis.requiresApproval, approvalReason: analysis.approvalReason };
  if (input.kind === "ask") {
    if (!model && !analysis.cloudAllowed) throw noModel(analysis);
    return {
      plan: {
        summary: model
          ? `Answer the question with ${model} on one of the workspace's runners.`
          : `Answer the question with ${where(analysis)}.`,
        steps: [{ title: `Send the question to ${where(analysis)}` }, { title: "Reply with the answer" }],
        runner: { kind: "inference", model: model ?? analysis.requestedModel },
        ...approval,
      },
    };
  }
  if (input.kind === "test") {
    const ref = analysis.repository?.ref;
    return {
      plan: {
        summary: `Clone ${input.repository}${ref ? ` at ${ref}` : ""} and run its tests in a sandbox on a runner.`,
        steps: [
          { title: "Clone the repository", detail: `${input.repository}${ref ? ` (${ref})` : ""}` },
          { title: "Install dependencies from the lock file", detail: INSTALL_COMMAND },
          { title: "Run the tests", detail: "npm test, pytest, go test, cargo test or make test, whichever the repository uses" },
          { title: "Report the summary" },
        ],
        runner: { kind: "sandbox" },
        ...approval,
      },
    };
  }
  if (!model && !analysis.cloudAllowed) throw noModel(analysis);
  await appendLog(db, task, `Asking ${where(analysis)} for a plan`, { step: "plan" });
  return {
    job: {
      kind: "inference",
      model: model ?? analysis.requestedModel,
      maxTokens,
      temperature: 0.2,
      jsonSchema: planSchema,
      messages: [
        { role: "system", content: `${SYSTEM_PROMPT} Write a short plan as JSON: a one-sentence summary and up to 8 steps.` },
        { role: "user", content: input.instructions },
      ],
    },
  };
}

/** Turns the model's JSON into the stored plan; unreadable output becomes a one-step plan. */
export async function finalizePlan(db: Db, taskId: string, analysis: Analysis, modelText: string | null): Promise<TaskPlan> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  const input = analysis.input;
  const instructions = input.kind === "custom" ? input.instructions : "";
  let drafted: { summary: string; steps: { title: string }[] } | null = null;
  try {
    const json = JSON.parse(modelText ?? "") as { summary?: unknown; steps?: unknown };
    if (typeof json.summary === "string" && Array.isArray(json.steps)) {
      const steps = json.steps.flatMap((s: unknown) =>
        s && typeof s === "object" && typeof (s as { title?: unknown }).title === "string"
          ? [{ title: (s as { title: string }).title.slice(0, 300) }]
          : [],
      );
      if (json.summary.trim() && steps.length > 0) drafted = { summary: json.summary.slice(0, 1000), steps };
    }
  } catch {
    // fall through to the one-step plan
  }
  if (!drafted) await appendLog(db, task, "The model's plan was not usable JSON; using a one-step plan", { step: "plan", level: "warn" });
  return savePlan(db, taskId, {
    summary: drafted?.summary ?? `Carry out the instructions with ${where(analysis)}.`,
    steps: drafted?.steps ?? [{ title: instructions.slice(0, 300) }],
    runner: { kind: "inference", model: analysis.model ?? analysis.requestedModel },
    requiresApproval: analysis.requiresApproval,
    approvalReason: analysis.approvalReason,
  });
}

export async function savePlan(db: Db, taskId: string, plan: TaskPlan): Promise<TaskPlan> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  const parsed = taskPlan.parse(plan);
  await db.task.update({ where: { id: taskId }, data: { plan: parsed } });
  await appendLog(db, task, `Plan: ${parsed.summary}`, { step: "plan" });
  await finishStep(db, task, "plan", "succeeded", { detail: `${parsed.steps.length} steps` });
  return parsed;
}

/** Shows the plan for approval. Runs after the pipeline started waiting, so no decision is missed. */
/** Returns when it asked (`now`), so the pipeline can leave the wait out of the task's time limit. */
export async function requestApproval(db: Db, taskId: string, timeoutHours: number, now = Date.now()): Promise<number> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  // The step is waiting before the status says so: whoever sees awaiting_approval sees it too.
  await startStep(db, task, "approval");
  await finishStep(db, task, "approval", "waiting");
  await setTaskStatus(db, task, "awaiting_approval", { statusReason: `Waiting for approval (expires in ${timeoutHours} h)` });
  await appendLog(db, task, "Waiting for an admin to approve the plan", { step: "approval" });
  return now;
}

/** Returns when the pipeline learnt of the decision (`now`). */
export async function recordApproval(db: Db, taskId: string, by: string, now = Date.now()): Promise<number> {
  const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
  await finishStep(db, task, "approval", "succeeded", { detail: `by ${by}` });
  return now;
}
