import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { POST as chatCompletions } from "@/app/api/v1/chat/completions/route";
import { GET as models } from "@/app/api/v1/models/route";

/** The OpenAI-compatible route handlers on a loopback server, for tests that drive them with real clients. */

export type Api = { url: string; close: () => Promise<void> };

/** Serves the two route handlers, streaming response bodies as they are produced. */
export async function serveRoutes(): Promise<Api> {
  let base = "";
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const gone = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const request = new Request(base + (req.url ?? "/"), {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
      signal: gone.signal,
    });
    const path = (req.url ?? "/").split("?")[0];
    const response =
      req.method === "POST" && path === "/api/v1/chat/completions"
        ? await chatCompletions(request)
        : req.method === "GET" && path === "/api/v1/models"
          ? await models(request)
          : new Response(null, { status: 404 });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    const reader = response.body?.getReader();
    for (let part = await reader?.read(); part && !part.done; part = await reader!.read()) res.write(part.value);
    res.end();
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
