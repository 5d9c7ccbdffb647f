import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import * as tasksRoute from "@/app/api/v1/tasks/route";
import { createDb, setDb, type Db } from "../db";
import { createApiKey } from "../features/api-keys/api-keys";
import { testDb } from "../testing/db";
import { createUser, createWorkspaceFor, type TestUser } from "../testing/factories";
import type { Context } from "./context";
import { handleTrpcRequest } from "./trpc-http";

/**
 * /api/trpc as Next calls it (a Request in, a Response out) against real PostgreSQL: the body
 * limit counts bytes read, and a database outage is a 503 with Retry-After on tRPC and REST alike,
 * which ends by itself once the database is back. The outage is real: the app's connections go
 * through a loopback TCP proxy to PostgreSQL that the test closes and reopens.
 */

const db = testDb();
const silent = pino({ level: "silent" });

/** A TCP proxy to the test database that can drop every connection and refuse new ones. */
class Outage {
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(this.port, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

function contextFor(client: Db, user: TestUser | null): Context {
  return {
    db: client,
    session: user && { userId: user.id, email: user.email, name: user.name },
    requestId: "req-1",
    ip: null,
    log: silent,
  };
}

/** A body streamed in 64 KB chunks with no content-length, as `Transfer-Encoding: chunked` arrives. */
function chunkedBody(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 65536));
      offset += 65536;
    },
  });
}

function createProject(slug: string, name: string, init: { padding?: number; chunked?: boolean; headers?: Record<string, string> } = {}) {
  const text = JSON.stringify({ json: { workspaceSlug: slug, name, pad: "x".repeat(init.padding ?? 0) } });
  return new Request("http://localhost/api/trpc/project.create", {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: init.chunked ? chunkedBody(text) : text,
    ...(init.chunked ? { duplex: "half" } : {}),
  } as RequestInit);
}

let owner: TestUser;
let slug: string;
let workspaceId: string;
beforeAll(async () => {
  owner = await createUser(db);
  const ws = await createWorkspaceFor(db, owner);
  slug = ws.slug;
  workspaceId = ws.id;
});

describe("tRPC request body limit", () => {
  it("answers 413 to an 8 MB chunked body and runs nothing", async () => {
    const res = await handleTrpcRequest(createProject(slug, "big", { padding: 8 * 1024 * 1024, chunked: true }), async () =>
      contextFor(db, owner),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: "Request body is larger than 1 MB. Send a smaller JSON body.",
    });
    expect(await db.project.count({ where: { workspaceId, name: "big" } })).toBe(0);
  });

  it("answers 413 to a declared length over 1 MB, and runs a small chunked mutation", async () => {
    const declared = createProject(slug, "declared", { headers: { "content-length": "2000000" } });
    expect((await handleTrpcRequest(declared, async () => contextFor(db, owner))).status).toBe(413);
    const small = await handleTrpcRequest(createProject(slug, "small", { padding: 1000, chunked: true }), async () =>
      contextFor(db, owner),
    );
    expect(small.status).toBe(200);
    expect(await db.project.count({ where: { workspaceId, name: { in: ["small", "declared"] } } })).toBe(1);
  });
});

describe("database outage", () => {
  const target = new URL(inject("databaseUrl"));
  const outage = new Outage({ host: target.hostname, port: Number(target.port || 5432) });
  let viaProxy: Db;
  beforeAll(async () => {
    await outage.up();
    const url = new URL(target);
    url.host = `127.0.0.1:${outage.port}`;
    viaProxy = createDb(url.toString());
  });
  afterAll(async () => {
    setDb(db);
    await viaProxy.$disconnect();
  });

  it("answers tRPC with 503 SERVICE_UNAVAILABLE and Retry-After, then works again without a restart", async () => {
    const call = (name: string) => handleTrpcRequest(createProject(slug, name), async () => contextFor(viaProxy, owner));
    expect((await call("before")).status).toBe(200);

    await outage.down();
    const res = await call("during");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const body = (await res.json()) as { error: { json: { message: string; data: { code: string } } } };
    expect(body.error.json.data.code).toBe("SERVICE_UNAVAILABLE");
    expect(body.error.json.message).toMatch(/database is unavailable/);

    await outage.up();
    expect((await call("after")).status).toBe(200);
    const names = (await db.project.findMany({ where: { workspaceId }, select: { name: true } })).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["before", "after"]));
    expect(names).not.toContain("during");
  });

  it("answers a REST task submission with 503 and Retry-After, then 201 once the database is back", async () => {
    const project = await db.project.create({ data: { workspaceId, name: "rest" } });
    const { secret } = await createApiKey(db, workspaceId, { type: "user", id: owner.id, label: owner.email }, null, "CI");
    const submit = () =>
      tasksRoute.POST(
        new Request("http://localhost/api/v1/tasks", {
          method: "POST",
          headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
          body: JSON.stringify({ task: { kind: "ask", question: "Up?" }, projectId: project.id }),
        }),
      );
    setDb(viaProxy);
    await outage.down();
    const res = await submit();
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");

    await outage.up();
    expect((await submit()).status).toBe(201);
  });
});
