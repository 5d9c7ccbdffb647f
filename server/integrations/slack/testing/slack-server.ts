import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import type { Db } from "@/server/db";
import { overrideEnv } from "@/server/env";
import { slackSignature, startSlackFake, type SlackFake } from "@/test/fakes/slack";
import { startSlack, type SlackOptions, type SlackRuntime } from "../index";

/**
 * The real Bolt app (HTTP receiver, installer, listeners) on a real HTTP server against the Slack
 * fake, with helpers that act like Slack: genuinely signed slash commands, button clicks and
 * events, and the browser side of the OAuth install.
 */
export const SIGNING_SECRET = "test-signing-secret-0123456789abcdef";

export type CommandResult = {
  status: number;
  body: { text?: string; response_type?: string } | null;
  /** Where Jace answers after the acknowledgement (the fake records what it posts there). */
  responseUrl: string;
};

export type SlackTestServer = {
  url: string;
  fake: SlackFake;
  runtime: SlackRuntime;
  /** Signs in `userId` (a database session) and runs the whole install into `workspaceSlug`. */
  install(userId: string, workspaceSlug: string, teamId: string, teamName: string): Promise<{ location: string }>;
  command(
    teamId: string,
    slackUserId: string,
    channelId: string,
    text: string,
    opts?: { triggerId?: string; timestamp?: number; secret?: string },
  ): Promise<CommandResult>;
  /** The first reply Jace posted to the command's response_url (waits for it). */
  reply(res: CommandResult, timeoutMs?: number): Promise<string>;
  /** Another Slack runtime (app instance) on the same server URL, e.g. after a restart. */
  restart(opts?: SlackOptions): Promise<void>;
  action(teamId: string, slackUserId: string, channelId: string, actionId: string, value: string): Promise<number>;
  event(teamId: string, event: Record<string, unknown>): Promise<number>;
  post(body: string, headers: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
};

export async function startSlackTestServer(db: Db, opts: SlackOptions = {}): Promise<SlackTestServer> {
  const fake = await startSlackFake();
  let port = 0;
  const current = () => runtime;
  const server: Server = createServer((req, res) => current().handler!(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  overrideEnv({
    SLACK_CLIENT_ID: "1111.2222",
    SLACK_CLIENT_SECRET: "test-client-secret-0123456789",
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    APP_URL: url,
  });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  let runtime: SlackRuntime = startSlack(db, log, { batchMs: 100, pollMs: 100, ...opts });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${url}/api/slack/events`, { method: "POST", body, headers, redirect: "manual" });
  const signed = (body: string, contentType: string, timestamp?: number, secret = SIGNING_SECRET) =>
    post(body, { "content-type": contentType, ...slackSignature(secret, body, timestamp) });

  return {
    url,
    fake,
    get runtime() {
      return runtime;
    },
    async install(userId, workspaceSlug, teamId, teamName) {
      const sessionToken = randomUUID();
      await db.session.create({ data: { sessionToken, userId, expires: new Date(Date.now() + 3600_000) } });
      const start = await fetch(`${url}/api/slack/install?workspace=${workspaceSlug}`, {
        headers: { cookie: `authjs.session-token=${sessionToken}` },
        redirect: "manual",
      });
      const authorize = start.headers.get("location") ?? "";
      const state = new URL(authorize).searchParams.get("state");
      if (!state) return { location: authorize };
      const stateCookie = (start.headers.get("set-cookie") ?? "").split(";")[0]!;
      const code = fake.authorizeCode(teamId, teamName);
      const back = await fetch(`${url}/api/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, {
        headers: { cookie: stateCookie },
        redirect: "manual",
      });
      return { location: back.headers.get("location") ?? `status ${back.status}` };
    },
    async command(teamId, slackUserId, channelId, text, o = {}) {
      const responseUrl = `${fake.apiUrl}response/${randomUUID()}`;
      const body = new URLSearchParams({
        token: "unused",
        team_id: teamId,
        team_domain: teamId.toLowerCase(),
        channel_id: channelId,
        channel_name: `chan-${channelId.toLowerCase()}`,
        user_id: slackUserId,
        user_name: slackUserId.toLowerCase(),
        command: "/jace",
        text,
        api_app_id: "AJACE",
        response_url: responseUrl,
        trigger_id: o.triggerId ?? `trigger-${randomUUID()}`,
      }).toString();
      const res = await signed(body, "application/x-www-form-urlencoded", o.timestamp, o.secret);
      const raw = await res.text();
      return { status: res.status, body: raw ? (JSON.parse(raw) as { text?: string }) : null, responseUrl };
    },
    async reply(res, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [first] = fake.responses(res.responseUrl);
        if (first) return String(first.args.text);
        if (Date.now() > deadline) throw new Error(`no reply to ${res.responseUrl} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async restart(o = {}) {
      await runtime.stop();
      runtime = startSlack(db, log, { batchMs: 100, pollMs: 100, ...o });
    },
    async action(teamId, slackUserId, channelId, actionId, value) {
      const payload = {
        type: "block_actions",
        team: { id: teamId, domain: teamId.toLowerCase() },
        user: { id: slackUserId, team_id: teamId },
        api_app_id: "AJACE",
        token: "unused",
        trigger_id: `trigger-${randomUUID()}`,
        channel: { id: channelId, name: `chan-${channelId.toLowerCase()}` },
        container: { type: "message", channel_id: channelId, message_ts: "1.1" },
        response_url: `${fake.apiUrl}response/${randomUUID()}`,
        actions: [
          actionId === "jace_link_project"
            ? {
                type: "static_select",
                action_id: actionId,
                block_id: "b",
                selected_option: { value, text: { type: "plain_text", text: value } },
                action_ts: "1",
              }
            : { type: "button", action_id: actionId, block_id: "b", value, text: { type: "plain_text", text: actionId }, action_ts: "1" },
        ],
      };
      const res = await signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), "application/x-www-form-urlencoded");
      return res.status;
    },
    async event(teamId, event) {
      const body = JSON.stringify({
        token: "unused",
        team_id: teamId,
        api_app_id: "AJACE",
        type: "event_callback",
        event_id: `Ev${randomUUID().slice(0, 8)}`,
        event_time: Math.floor(Date.now() / 1000),
        event,
      });
      return (await signed(body, "application/json")).status;
    },
    post,
    async close() {
      await runtime.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await fake.close();
    },
  };
}
