import { createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import {
  challengePayload,
  closeCodes,
  CONNECT_PATH,
  ENROLL_PATH,
  enrollRequest,
  MAX_MESSAGE_BYTES,
  parseMessage,
  PROTOCOL_VERSION,
  runnerMessage,
  serverMessage,
  type Capabilities,
  type RunnerMessage,
} from "../protocol";

/**
 * The server side of the runner channel for tests: enrollment over HTTP and the WebSocket gateway
 * with a real challenge, real signature verification and the shared schemas on every frame. It
 * records what runners sent; tests drive it (offer, cancel, close) and assert on the record.
 */

export type FakeConnection = {
  id: number;
  runnerId: string | null;
  authenticated: boolean;
  messages: RunnerMessage[];
  closed: { code: number; reason: string } | null;
  send: (message: unknown) => void;
  close: (code: number, reason?: string) => void;
};

export type FakeServerOptions = {
  heartbeatIntervalMs?: number;
  leaseTtlMs?: number;
  /** Enrollment tokens the server accepts (each once). */
  tokens?: string[];
  /** Answer the challenge of these runners with this close code instead of a welcome. */
  refuse?: Map<string, number>;
};

export type FakeServer = {
  url: string;
  connections: FakeConnection[];
  /** Public keys by runner id (from enrollments, or registered by the test). */
  runners: Map<string, { publicKey: KeyObject; name: string; capabilities: Capabilities }>;
  refuse: Map<string, number>;
  enrollments: unknown[];
  waitFor: <T>(check: () => T | undefined | null | false, timeoutMs?: number) => Promise<T>;
  close: () => Promise<void>;
};

export async function startFakeJaceServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const { heartbeatIntervalMs = 50, leaseTtlMs = 150 } = options;
  const tokens = new Set(options.tokens ?? []);
  const runners: FakeServer["runners"] = new Map();
  const refuse = options.refuse ?? new Map<string, number>();
  const connections: FakeConnection[] = [];
  const enrollments: unknown[] = [];
  let nextRunner = 1;

  const http: Server = createServer(async (req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/api/health") return json(200, { ok: true });
    if (req.method !== "POST" || req.url !== ENROLL_PATH) return json(404, { error: { code: "NOT_FOUND", message: "Not found" } });
    const body = await readBody(req);
    const parsed = parseMessage(enrollRequest, body);
    enrollments.push(JSON.parse(body));
    if (!parsed) return json(400, { error: { code: "BAD_REQUEST", message: "Invalid enrollment request." } });
    if (!tokens.delete(parsed.token))
      return json(401, {
        error: {
          code: "UNAUTHORIZED",
          message: "This enrollment token is invalid, expired or already used. Create a new one in the dashboard.",
        },
      });
    const runnerId = `runner_${nextRunner++}`;
    runners.set(runnerId, {
      publicKey: createPublicKey({ key: Buffer.from(parsed.publicKey, "base64"), format: "der", type: "spki" }),
      name: parsed.name,
      capabilities: parsed.capabilities,
    });
    json(201, { runnerId, workspace: { slug: "acme", name: "Acme" }, connectUrl: `ws://${req.headers.host}${CONNECT_PATH}` });
  });

  const wss = new WebSocketServer({ server: http, path: CONNECT_PATH, maxPayload: MAX_MESSAGE_BYTES });
  wss.on("connection", (ws: WebSocket) => {
    const nonce = randomBytes(32).toString("base64url");
    const connection: FakeConnection = {
      id: connections.length + 1,
      runnerId: null,
      authenticated: false,
      messages: [],
      closed: null,
      // Everything the fake sends passes the same schema the runner parses with.
      send: (message) => ws.send(JSON.stringify(serverMessage.parse(message))),
      close: (code, reason) => ws.close(code, reason),
    };
    connections.push(connection);
    ws.on("close", (code, reason) => (connection.closed = { code, reason: reason.toString() }));
    ws.on("message", (data) => {
      const message = parseMessage(runnerMessage, data as Buffer);
      if (!message) return ws.close(closeCodes.protocolError, "invalid message");
      connection.messages.push(message);
      if (!connection.authenticated) {
        if (message.type !== "auth") return ws.close(closeCodes.protocolError, "auth expected");
        if (message.v !== PROTOCOL_VERSION) return ws.close(closeCodes.unsupportedVersion, "unsupported version");
        const runner = runners.get(message.runnerId);
        if (!runner) return ws.close(closeCodes.unknownRunner, "unknown runner");
        if (!verify(null, challengePayload(nonce, message.runnerId), runner.publicKey, Buffer.from(message.signature, "base64"))) {
          return ws.close(closeCodes.authFailed, "bad signature");
        }
        const refusal = refuse.get(message.runnerId);
        if (refusal) return ws.close(refusal, "refused");
        connection.authenticated = true;
        connection.runnerId = message.runnerId;
        connection.send({
          type: "welcome",
          runnerId: message.runnerId,
          workspace: { slug: "acme", name: "Acme" },
          heartbeatIntervalMs,
          leaseTtlMs,
        });
        return;
      }
      if (message.type === "heartbeat") connection.send({ type: "heartbeat.ack", seq: message.seq });
    });
    connection.send({ type: "challenge", v: PROTOCOL_VERSION, nonce });
  });

  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    runners,
    refuse,
    enrollments,
    async waitFor(check, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = check();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`waitFor timed out after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
