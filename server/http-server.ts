import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import next from "next";
import type { NextConfig } from "next";
import type { Logger } from "./logger";

/** A WebSocket (or other upgrade) endpoint mounted on the app's port, e.g. the runner gateway. */
export type UpgradeRoute = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Dispatches an upgrade request by exact path; anything else goes to `fallback`. */
export function routeUpgrades(routes: Record<string, UpgradeRoute>, fallback: UpgradeRoute): UpgradeRoute {
  return (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    (routes[path] ?? fallback)(req, socket, head);
  };
}

/** A plain fetch-style handler mounted on a path prefix ahead of Next (the embedded executor's API). */
export type PrefixRoute = (req: Request) => Promise<Response>;

const MAX_PREFIX_BODY = 4 * 1024 * 1024;

async function toRequest(req: IncomingMessage): Promise<Request | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PREFIX_BODY) return null;
    chunks.push(chunk);
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
  return new Request(`http://localhost${req.url ?? "/"}`, { method: req.method, headers, body });
}

/**
 * In production, Next is handed the configuration `next build` resolved from next.config.ts, the
 * way its own standalone server does (there is no public option: `conf` does not reach the router
 * server). Otherwise every start compiles next.config.ts, which loads SWC's native binding: about
 * 23 MB of resident memory held for the life of the process, for a file already compiled.
 */
function applyBuiltConfig(dir: string): void {
  const file = join(dir, ".next", "required-server-files.json");
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` before \`npm start\`.`);
  const { config } = JSON.parse(readFileSync(file, "utf8")) as { config: NextConfig };
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
}

/** A Node request listener mounted on a path prefix ahead of Next (Slack's Bolt receiver reads the raw body itself). */
export type NodePrefixRoute = (req: IncomingMessage, res: ServerResponse) => void;

export type AppServer = { server: Server; url: string; close: () => Promise<void> };

/**
 * One HTTP server for Next.js and the app's WebSocket endpoints. Upgrades on registered paths go
 * to their handler; every other upgrade (Next's dev hot reload) goes to Next.
 */
export async function startHttpServer(opts: {
  dir: string;
  dev: boolean;
  host: string;
  port: number;
  upgrades: Record<string, UpgradeRoute>;
  /** Path prefixes served by plain handlers instead of Next. */
  prefixes?: Record<string, PrefixRoute>;
  /** Path prefixes served by Node request listeners instead of Next. */
  nodePrefixes?: Record<string, NodePrefixRoute>;
  log: Logger;
}): Promise<AppServer> {
  // Next adds its own "upgrade" listener on the first request, to `httpServer` or else to the
  // request's server. Ours already sends every upgrade it does not own to Next, so with both each
  // dev hot-reload socket was handled twice and ended, and the browser reconnected (and, after a
  // restart, reloaded the page) every couple of seconds. Next gets an emitter that never fires.
  const upgradeSink = new EventEmitter() as Server;
  if (!opts.dev) applyBuiltConfig(opts.dir);
  const app = next({
    dev: opts.dev,
    dir: opts.dir,
    hostname: "localhost",
    port: opts.port,
    httpServer: upgradeSink,
  });
  const handle = app.getRequestHandler();
  await app.prepare();
  const nextUpgrade = app.getUpgradeHandler();

  const server = createServer((req, res) => {
    // Every request carries an id from here on; route handlers and logs use it.
    const requestId =
      typeof req.headers["x-request-id"] === "string" && req.headers["x-request-id"].length <= 100
        ? req.headers["x-request-id"]
        : randomUUID();
    req.headers["x-request-id"] = requestId;
    res.setHeader("x-request-id", requestId);
    const nodePrefix = Object.entries(opts.nodePrefixes ?? {}).find(([p]) => req.url?.startsWith(p));
    if (nodePrefix) {
      try {
        nodePrefix[1](req, res);
      } catch (err) {
        opts.log.error({ err, requestId, url: req.url }, "unhandled request error");
        if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
      }
      return;
    }
    const prefix = Object.entries(opts.prefixes ?? {}).find(([p]) => req.url?.startsWith(p));
    if (prefix) {
      void (async () => {
        const request = await toRequest(req);
        const response = request ? await prefix[1](request) : Response.json({ error: "Body too large" }, { status: 413 });
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      })().catch((err: unknown) => {
        opts.log.error({ err, requestId, url: req.url }, "unhandled request error");
        if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
      });
      return;
    }
    handle(req, res).catch((err: unknown) => {
      opts.log.error({ err, requestId, url: req.url }, "unhandled request error");
      if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
    });
  });

  // Upgraded sockets (runners, Next's hot reload) are no longer the HTTP server's connections, so
  // closeAllConnections() leaves them open and server.close() waited for them: a dev server with a
  // browser tab open did not exit on SIGTERM and kept serving hot reload to the tab next to the new
  // one. They are tracked here and ended on close.
  const upgraded = new Set<Duplex>();
  const route = routeUpgrades(opts.upgrades, (req, socket, head) => void nextUpgrade(req, socket, head).catch(() => socket.destroy()));
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    route(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });

  return {
    server,
    url: `http://localhost:${opts.port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      });
      await app.close();
    },
  };
}
