import http from "node:http";
import https from "node:https";

/** The reply headers the executor reads (`retry-after`, `x-inngest-*`), case-insensitive like fetch's. */
export type HeaderLookup = { get(name: string): string | null };

export type HttpReply = { ok: true; status: number; headers: HeaderLookup; text: string } | { ok: false; status: 0; error: string };

/**
 * Kept-alive agents for the calls to the app's serve() endpoint. A step costs one request, so the
 * client's own CPU matters: node:http with a pooled socket costs a fraction of fetch's per request
 * (measured in bench/executor.ts), and no connection is opened per step.
 */
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 256 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

/**
 * One "abort" listener per signal, fanning out to the requests in flight on it: the scheduler's
 * one signal covers every concurrent call, more than EventTarget's leak warning allows.
 */
const onAbortOf = new WeakMap<AbortSignal, Set<() => void>>();

function watchAbort(signal: AbortSignal, fn: () => void): () => void {
  let watchers = onAbortOf.get(signal);
  if (!watchers) {
    const set = new Set<() => void>();
    watchers = set;
    onAbortOf.set(signal, set);
    signal.addEventListener("abort", () => set.forEach((f) => f()), { once: true });
  }
  watchers.add(fn);
  return () => watchers.delete(fn);
}

/**
 * POSTs `body` and reads the whole reply. Gives up after `timeoutMs` in all (not per idle gap),
 * and at once when `signal` aborts (then it rejects with the signal's reason: the caller is
 * stopping). Network failures and timeouts come back as `{ ok: false }`, never thrown.
 */
export function postText(
  url: URL,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; signal: AbortSignal },
): Promise<HttpReply> {
  if (opts.signal.aborted) return Promise.reject(opts.signal.reason as Error);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch();
      outcome();
    };
    const req = client.request(url, {
      method: "POST",
      agent: agents[url.protocol === "https:" ? "https:" : "http:"],
      headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
    });
    const fail = (error: string) => finish(() => resolve({ ok: false, status: 0, error }));
    const onAbort = () => {
      finish(() => reject(opts.signal.reason as Error));
      req.destroy();
    };
    const timer = setTimeout(() => {
      fail(`No complete reply from ${url.origin} within ${opts.timeoutMs} ms`);
      req.destroy();
    }, opts.timeoutMs);
    const unwatch = watchAbort(opts.signal, onAbort);
    req.on("error", (err) => fail(err.message));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (err) => fail(err.message));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const lookup: HeaderLookup = {
          get(name) {
            const v = res.headers[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
          },
        };
        finish(() => resolve({ ok: true, status: res.statusCode ?? 0, headers: lookup, text }));
      });
    });
    req.end(body);
  });
}
