import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CONNECT_PATH, ENROLL_PATH } from "@jace/gpu-runner/protocol";
import pino from "pino";
import { POST as enroll } from "@/app/api/runners/enroll/route";
import type { Db } from "../../db";
import { routeUpgrades } from "../../http-server";
import { RunnerGateway, type GatewayOptions } from "../gateway";

/**
 * The runner-facing half of the app for tests and benchmarks: the real enrollment route handler
 * and the real gateway on a real HTTP server, without building Next.js.
 */
export type RunnerAppServer = { url: string; wsUrl: string; gateway: RunnerGateway; server: Server; close: () => Promise<void> };

async function toRequest(req: IncomingMessage, base: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new Request(base + (req.url ?? "/"), {
    method: req.method,
    headers: req.headers as Record<string, string>,
    body: chunks.length ? Buffer.concat(chunks) : undefined,
  });
}

/** `port`: listen there (to start the app again where its runners look for it); a free one by default. */
export async function startRunnerAppServer(db: Db, opts: Partial<GatewayOptions> & { port?: number } = {}): Promise<RunnerAppServer> {
  const gateway = new RunnerGateway(db, pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }), opts);
  await gateway.start();
  let base = "";
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method === "POST" && req.url === ENROLL_PATH) {
        const response = await enroll(await toRequest(req, base));
        res.writeHead(response.status, { "content-type": "application/json" });
        res.end(await response.text());
        return;
      }
      if (req.url === "/api/health") return res.end('{"status":"ok"}');
      res.writeHead(404).end();
    })();
  });
  server.on(
    "upgrade",
    routeUpgrades({ [CONNECT_PATH]: gateway.handleUpgrade }, (_req, socket) => socket.destroy()),
  );
  await new Promise<void>((r) => server.listen(opts.port ?? 0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    wsUrl: `ws://127.0.0.1:${port}`,
    gateway,
    server,
    close: async () => {
      await gateway.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
