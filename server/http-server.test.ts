import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { routeUpgrades } from "./http-server";

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function listen(routes: Parameters<typeof routeUpgrades>[0], fallbackHits: string[]): Promise<number> {
  server = createServer((_req, res) => res.end("http"));
  server.on(
    "upgrade",
    routeUpgrades(routes, (req, socket) => {
      fallbackHits.push(req.url ?? "");
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
    }),
  );
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

describe("WebSocket upgrades on the app port", () => {
  it("routes a registered path to its WebSocket server and everything else to the fallback", async () => {
    const wss = new WebSocketServer({ noServer: true });
    wss.on("connection", (ws) => ws.on("message", (m) => ws.send(`echo:${m.toString()}`)));
    const fallback: string[] = [];
    const port = await listen(
      { "/api/test-ws": (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req)) },
      fallback,
    );

    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/test-ws?x=1`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once("open", () => ws.send("hi"));
      ws.once("message", (m) => resolve(m.toString()));
      ws.once("error", reject);
    });
    expect(reply).toBe("echo:hi");
    ws.close();

    const other = new WebSocket(`ws://127.0.0.1:${port}/_next/webpack-hmr`);
    const err = await new Promise<Error>((resolve) => other.once("error", resolve));
    expect(err.message).toMatch(/404/);
    expect(fallback).toEqual(["/_next/webpack-hmr"]);
    wss.close();
  });
});
