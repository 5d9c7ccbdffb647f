/** Server-sent events over a fetch Response, for the live task views. */

export const HEARTBEAT_MS = 15_000;

export type SseStream = {
  /** One event; `data` is sent as JSON on a single line. */
  send(event: string, data: unknown, id?: string | number): void;
  readonly closed: boolean;
  close(): void;
};

const encoder = new TextEncoder();

/**
 * Opens a stream and hands it to `start`, which returns its cleanup. Cleanup runs once, whether
 * the client goes away (request aborted, stream cancelled) or the server closes the stream.
 * Comments every 15 s keep proxies from timing the connection out.
 */
export function sseResponse(req: Request, start: (stream: SseStream) => () => void, opts: { heartbeatMs?: number } = {}): Response {
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let cleanup: (() => void) | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let closed = false;

  const write = (text: string) => {
    if (closed || !controller) return;
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      finish();
    }
  };

  const finish = () => {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    req.signal.removeEventListener("abort", finish);
    cleanup?.();
    try {
      controller?.close();
    } catch {
      // already closed by the client
    }
  };

  const stream: SseStream = {
    send(event, data, id) {
      write(`event: ${event}\n${id !== undefined ? `id: ${id}\n` : ""}data: ${JSON.stringify(data)}\n\n`);
    },
    get closed() {
      return closed;
    },
    close: finish,
  };

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (req.signal.aborted) return finish();
      req.signal.addEventListener("abort", finish);
      // Tells EventSource how soon to reconnect after a dropped connection.
      write("retry: 3000\n\n");
      heartbeat = setInterval(() => write(": ping\n\n"), opts.heartbeatMs ?? HEARTBEAT_MS);
      cleanup = start(stream);
      if (closed) cleanup();
    },
    cancel: finish,
  });

  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      // no-transform keeps compression from buffering the stream.
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}

/** The log cursor from Last-Event-ID (a reconnect) or `?after=` (the first connection). */
export function logCursor(req: Request): number {
  const raw = req.headers.get("last-event-id") ?? new URL(req.url).searchParams.get("after") ?? "0";
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
