import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import {
  challengePayload,
  CONNECT_PATH,
  ENROLL_PATH,
  enrollResponse,
  parseMessage,
  PROTOCOL_VERSION,
  serverMessage,
  type Capabilities,
  type RunnerMessage,
  type ServerMessage,
} from "@jace/gpu-runner/protocol";
import WebSocket from "ws";

/**
 * A minimal protocol client for tests and load benchmarks: it speaks the real wire protocol with
 * real keys over a real socket, without the runner's job workers.
 */

export function testCapabilities(overrides: Partial<Capabilities> = {}): Capabilities {
  return {
    runnerVersion: "test",
    os: "linux",
    arch: "x64",
    cpu: { model: "test cpu", cores: 2 },
    ramBytes: 8 * 1024 ** 3,
    backend: "cpu",
    gpus: [],
    models: [{ id: "tiny", sizeBytes: 1_000_000, quantization: "F32", contextLength: 256, sha256: null }],
    labels: [],
    sandboxes: ["bwrap"],
    maxConcurrentJobs: 1,
    ...overrides,
  };
}

export type Identity = { runnerId: string; privateKey: KeyObject; publicKey: string };

export async function enrollTestRunner(baseUrl: string, token: string, name = "test-runner", caps = testCapabilities()): Promise<Identity> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const spki = publicKey.export({ format: "der", type: "spki" }).toString("base64");
  const res = await fetch(baseUrl + ENROLL_PATH, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, name, publicKey: spki, capabilities: caps }),
  });
  const body = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`enroll failed ${res.status}: ${JSON.stringify(body)}`);
  return { runnerId: enrollResponse.parse(body).runnerId, privateKey, publicKey: spki };
}

export type TestConnection = {
  ws: WebSocket;
  messages: ServerMessage[];
  send: (m: RunnerMessage | Record<string, unknown>) => void;
  next: (type: ServerMessage["type"], timeoutMs?: number) => Promise<ServerMessage>;
  closed: Promise<{ code: number; reason: string }>;
  /** The auth frame this connection sent (for replay tests). */
  authFrame: string | null;
};

export type ConnectOptions = {
  identity?: Identity;
  capabilities?: Capabilities;
  /** Sign with this key instead of the identity's (to test refusals). */
  signWith?: KeyObject;
  /** Send this raw frame instead of a computed auth message. */
  rawAuth?: string;
  auth?: boolean;
  /** Extra fields of the auth message (what the runner holds, its host, its process id). */
  authExtra?: Partial<Extract<RunnerMessage, { type: "auth" }>>;
  onMessage?: (m: ServerMessage, conn: TestConnection) => void;
};

export function connectTestRunner(wsBaseUrl: string, opts: ConnectOptions): TestConnection {
  const ws = new WebSocket(wsBaseUrl + CONNECT_PATH);
  const messages: ServerMessage[] = [];
  const waiters: { type: string; resolve: (m: ServerMessage) => void }[] = [];
  const conn: TestConnection = {
    ws,
    messages,
    authFrame: null,
    send: (m) => ws.send(JSON.stringify(m)),
    next: (type, timeoutMs = 5000) => {
      const idx = messages.findIndex((m) => m.type === type);
      if (idx >= 0) return Promise.resolve(messages.splice(idx, 1)[0]!);
      return new Promise((resolve, reject) => {
        const waiter = {
          type,
          resolve: (m: ServerMessage) => {
            clearTimeout(t);
            resolve(m);
          },
        };
        // A waiter that timed out goes, so the message it waited for stays for the next call.
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no ${type} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    closed: new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }))),
  };
  ws.on("message", (raw: Buffer) => {
    const m = parseMessage(serverMessage, raw);
    if (!m) throw new Error(`server sent an invalid message: ${raw.toString().slice(0, 200)}`);
    if (m.type === "challenge" && opts.auth !== false) {
      const frame =
        opts.rawAuth ??
        JSON.stringify({
          type: "auth",
          v: PROTOCOL_VERSION,
          runnerId: opts.identity!.runnerId,
          signature: sign(null, challengePayload(m.nonce, opts.identity!.runnerId), opts.signWith ?? opts.identity!.privateKey).toString(
            "base64",
          ),
          capabilities: opts.capabilities ?? testCapabilities(),
          ...opts.authExtra,
        });
      conn.authFrame = frame;
      ws.send(frame);
    }
    opts.onMessage?.(m, conn);
    const w = waiters.findIndex((x) => x.type === m.type);
    if (w >= 0) waiters.splice(w, 1)[0]!.resolve(m);
    else messages.push(m);
  });
  ws.on("error", () => {});
  return conn;
}
