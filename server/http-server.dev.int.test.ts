import { createServer, type Server } from "node:net";
import { resolve } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { startHttpServer, type AppServer } from "./http-server";

/**
 * Next attaches its own "upgrade" listener to the server on the first request it handles. The app
 * already routes every upgrade (Next's hot reload included), so with both, each upgrade was handled
 * twice. And upgraded sockets are not the HTTP server's connections: close() waited for them, so a
 * dev server with a tab open (its hot-reload socket) did not exit on SIGTERM and went on serving
 * that tab beside the restarted app. Real Next in dev mode on this checkout.
 */

let app: AppServer | undefined;
let closed = false;
afterAll(async () => {
  if (!closed) await app?.close();
  (process.env as Record<string, string>).NODE_ENV = "test";
});

async function freePort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe("the app's HTTP server in dev mode", () => {
  it("keeps a single upgrade listener after Next has handled requests", async () => {
    const port = await freePort();
    const echo = new WebSocketServer({ noServer: true });
    // As `npm run dev` runs it: under Vitest's NODE_ENV=test, Next dev picks another dist
    // directory and rewrites tsconfig.json to include its types.
    (process.env as Record<string, string>).NODE_ENV = "development";
    app = await startHttpServer({
      dir: resolve(import.meta.dirname, ".."),
      dev: true,
      host: "127.0.0.1",
      port,
      upgrades: { "/ws": (req, socket, head) => echo.handleUpgrade(req, socket, head, (ws) => echo.emit("connection", ws, req)) },
      log: pino({ level: "silent" }),
    });
    expect(app.server.listeners("upgrade")).toHaveLength(1);
    // Next hooks the server at the start of its request handler, before any compiling.
    const handled = new Promise<void>((r) => app!.server.once("request", () => setImmediate(r)));
    const controller = new AbortController();
    const pending = fetch(`http://127.0.0.1:${port}/api/health`, { signal: controller.signal }).catch(() => undefined);
    await handled;
    expect(app.server.listeners("upgrade")).toHaveLength(1);
    controller.abort();
    await pending;

    // A connected WebSocket client (a runner, a tab's hot reload) does not keep close() waiting.
    const client = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((r, j) => client.once("open", r).once("error", j));
    const clientClosed = new Promise((r) => client.once("close", r));
    await app.close();
    closed = true;
    await clientClosed;
    echo.close();
  }, 120_000);
});
