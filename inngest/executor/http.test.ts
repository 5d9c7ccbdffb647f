import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postText } from "./http";

/**
 * The executor's client for the app's serve() endpoint, against real loopback servers: a reply
 * read whole, and each way a call can go wrong coming back as `{ ok: false }` (or, when the
 * executor is stopping, as the signal's reason) instead of hanging a step.
 */

const servers: Server[] = [];
afterEach(async () => {
  // Sockets a test leaves open (a reply that never comes) must not keep close() waiting.
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<URL> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/inngest`);
}

const opts = (timeoutMs = 2000, signal = new AbortController().signal) => ({ timeoutMs, signal });

describe("postText", () => {
  it("posts the body and reads the whole reply with its status and headers", async () => {
    const url = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(206, { "X-Inngest-SDK": "js:v4", "Retry-After": "3" });
        res.write(`got ${req.headers["content-length"]} bytes: `);
        setTimeout(() => res.end(Buffer.concat(chunks)), 20);
      });
    });
    const reply = await postText(url, '{"steps":"é"}', { "content-type": "application/json" }, opts());
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.status).toBe(206);
    expect(reply.text).toBe('got 14 bytes: {"steps":"é"}');
    expect(reply.headers.get("x-inngest-sdk")).toBe("js:v4");
    expect(reply.headers.get("RETRY-AFTER")).toBe("3");
    expect(reply.headers.get("x-missing")).toBeNull();
  });

  it("gives up on an endpoint that never replies, naming it and the limit", async () => {
    const url = await serve(() => {});
    const started = Date.now();
    const reply = await postText(url, "{}", {}, opts(150));
    expect(reply).toEqual({ ok: false, status: 0, error: `No complete reply from ${url.origin} within 150 ms` });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("counts the limit over the whole reply, not per gap: a body that trickles in is cut off", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      const tick = setInterval(() => res.write("."), 30);
      res.on("close", () => clearInterval(tick));
    });
    const reply = await postText(url, "{}", {}, opts(200));
    expect(reply).toMatchObject({ ok: false, status: 0, error: expect.stringMatching(/within 200 ms/) });
  });

  it("reports a refused connection and a reply cut off midway as failures", async () => {
    const closed = await serve(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    expect(await postText(closed, "{}", {}, opts())).toMatchObject({ ok: false, status: 0, error: expect.stringMatching(/ECONNREFUSED/) });

    const cut = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const reply = await postText(cut, "{}", {}, opts());
    expect(reply.ok).toBe(false);
  });

  it("rejects with the signal's reason at once when the executor stops, for every call in flight", async () => {
    const url = await serve(() => {});
    const stop = new AbortController();
    const calls = Array.from({ length: 20 }, () => postText(url, "{}", {}, opts(10_000, stop.signal)));
    setTimeout(() => stop.abort(new Error("executor stopping")), 50);
    const results = await Promise.allSettled(calls);
    expect(results.every((r) => r.status === "rejected" && (r.reason as Error).message === "executor stopping")).toBe(true);
    await expect(postText(url, "{}", {}, opts(10_000, stop.signal))).rejects.toThrow("executor stopping");
  });
});
