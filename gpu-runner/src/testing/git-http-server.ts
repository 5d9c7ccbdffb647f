import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback git smart-HTTP server (git http-backend behind node:http) that demands an exact
 * Authorization header and records every header it saw. For tests of authenticated clones.
 */
export type GitHttpServer = { url: string; authorizations: (string | undefined)[]; close: () => Promise<void> };

function cgiEnv(req: IncomingMessage, projectRoot: string): NodeJS.ProcessEnv {
  const url = new URL(req.url ?? "/", "http://localhost");
  return {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
    HTTP_GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
    REMOTE_ADDR: "127.0.0.1",
  };
}

export async function startGitHttpServer(projectRoot: string, requiredAuthorization: string): Promise<GitHttpServer> {
  const authorizations: (string | undefined)[] = [];
  const server: Server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    if (req.headers.authorization !== requiredAuthorization) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="test"' }).end();
      return;
    }
    const child = spawn("git", ["http-backend"], { env: cgiEnv(req, projectRoot) });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersSent = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersSent) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const [key = "", ...rest] = line.split(":");
        if (key.toLowerCase() === "status") status = Number(rest.join(":").trim().split(" ")[0]);
        else if (key) headers[key] = rest.join(":").trim();
      }
      res.writeHead(status, headers);
      headersSent = true;
      res.write(head.subarray(end + 4));
    });
    child.on("close", () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
