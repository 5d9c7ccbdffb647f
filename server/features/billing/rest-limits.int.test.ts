import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approveRoute from "@/app/api/v1/tasks/[id]/approve/route";
import * as cancelRoute from "@/app/api/v1/tasks/[id]/cancel/route";
import * as rejectRoute from "@/app/api/v1/tasks/[id]/reject/route";
import * as tasksRoute from "@/app/api/v1/tasks/route";
import { setInngest } from "@/inngest/client";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor } from "@/server/testing/factories";
import { createApiKey } from "../api-keys/api-keys";
import { monthKey } from "../usage/period";
import type { PlanId } from "./plans";

/**
 * Plan limits as a REST client meets them, over real HTTP: 402 for the monthly quota and for a
 * read-only workspace (except cancelling), 429 with Retry-After for the per-minute rate limit.
 */

const db = testDb();
let server: Server;
let base: string;

type TaskHandler = (req: Request, route: { params: Promise<{ id: string }> }) => Promise<Response>;
const taskRoutes: Record<string, TaskHandler> = { approve: approveRoute.POST, reject: rejectRoute.POST, cancel: cancelRoute.POST };

beforeAll(async () => {
  // The app's route handlers behind a real HTTP server, and an event API that accepts everything.
  server = createServer(async (req, res) => {
    if (req.url?.startsWith("/e/")) {
      req.resume();
      return req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"ids":["e"],"status":200}'));
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const request = new Request(`http://localhost${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === "GET" ? undefined : Buffer.concat(chunks),
    });
    const m = req.url?.match(/^\/api\/v1\/tasks\/([^/]+)\/(approve|reject|cancel)$/);
    const response = m
      ? await taskRoutes[m[2]!]!(request, { params: Promise.resolve({ id: decodeURIComponent(m[1]!) }) })
      : req.method === "GET"
        ? await tasksRoute.GET(request)
        : await tasksRoute.POST(request);
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(await response.text());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  setInngest(
    new Inngest({
      id: "rest-limits",
      isDev: true,
      eventKey: "t",
      baseUrl: `${base}/`,
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    }),
  );
});

afterAll(async () => {
  setInngest(undefined);
  await new Promise((r) => server.close(r));
});

async function tenant(plan: PlanId) {
  const owner = await createUser(db);
  const ws = await createWorkspaceFor(db, owner, "Rest", plan);
  const project = await db.project.create({ data: { workspaceId: ws.id, name: "api" } });
  const { secret } = await createApiKey(db, ws.id, { type: "user", id: owner.id, label: owner.email }, null, "CI");
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { ws, project, call };
}

const ask = { task: { kind: "ask", question: "?" } };

describe("REST limits over HTTP", () => {
  it("answers 402 with the quota, the real count and what to do when the month's tasks are used up", async () => {
    const { ws, call } = await tenant("free");
    await db.usageCounter.create({ data: { workspaceId: ws.id, period: monthKey(new Date()), tasks: 100 } });
    const res = await call("POST", "/api/v1/tasks", ask);
    expect(res.status).toBe(402);
    const body = (await res.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
    expect(body.error).toMatchObject({ code: "QUOTA_EXCEEDED", details: { limit: "tasksPerMonth", current: 100, max: 100, plan: "free" } });
    expect(body.error.message).toMatch(
      /Free plan monthly task quota of 100 reached \(100 tasks this month\)\. Upgrade at .*\/billing or wait until/,
    );
  });

  it("answers 429 with Retry-After once the plan's requests per minute are used up", async () => {
    const { call } = await tenant("free");
    // Stay inside one minute window.
    if (new Date().getUTCSeconds() > 45) await new Promise((r) => setTimeout(r, (61 - new Date().getUTCSeconds()) * 1000));
    for (let i = 0; i < 60; i++) expect((await call("GET", "/api/v1/tasks")).status).toBe(200);
    const res = await call("GET", "/api/v1/tasks");
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Rate limit of 60 API requests a minute reached/);
  });

  it("refuses new work, approvals and rejections in a read-only workspace (402) but lets a task be cancelled", async () => {
    const { ws, call } = await tenant("pro");
    const created = (await (await call("POST", "/api/v1/tasks", { ...ask, requireApproval: true })).json()) as { id: string };
    const other = (await (await call("POST", "/api/v1/tasks", ask)).json()) as { id: string };
    await db.task.updateMany({ where: { workspaceId: ws.id }, data: { status: "awaiting_approval" } });
    await db.billingAccount.create({ data: { workspaceId: ws.id, status: "unpaid", paymentFailedAt: new Date() } });

    for (const path of [`/api/v1/tasks/${created.id}/approve`, `/api/v1/tasks/${created.id}/reject`, "/api/v1/tasks"]) {
      const res = await call("POST", path, path.endsWith("tasks") ? ask : {});
      expect(res.status, path).toBe(402);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /read-only: A payment failed.*Update the payment method/,
      );
    }
    expect(await db.task.findUniqueOrThrow({ where: { id: created.id } })).toMatchObject({ status: "awaiting_approval", decidedAt: null });
    expect((await call("POST", `/api/v1/tasks/${other.id}/cancel`)).status).toBe(200);
    expect((await db.task.findUniqueOrThrow({ where: { id: other.id } })).status).toBe("cancelled");
    expect((await call("GET", "/api/v1/tasks")).status).toBe(200);
  });
});
