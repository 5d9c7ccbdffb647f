import { createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback Slack Web API for tests and benchmarks, driven through the real @slack/bolt and
 * @slack/web-api clients (`slackApiUrl: fake.apiUrl`). Teams are installed through
 * oauth.v2.access with codes from `authorizeCode()`; every call is recorded with its team, and
 * `rateLimit()` makes the next calls of a method answer 429 with Retry-After. Replies to a slash
 * command's response_url (`<apiUrl>response/<id>`) are recorded as method `response` with the
 * url in `responseUrl`. Messages over Slack's size limits are refused as Slack refuses them.
 *
 * For browser tests it also serves Slack's consent page (`GET /oauth/v2/authorize`, the team set
 * by `setConsentTeam()`: Allow sends the browser back to `redirect_uri` with a code and the state)
 * and, for a test in another process, `GET /_fake/calls?method=` (recorded calls as JSON) and
 * `POST /_fake/users` / `POST /_fake/channels` (JSON bodies as `addUser` / `addChannel` take).
 */

export type SlackCall = { method: string; teamId: string | null; args: Record<string, unknown>; at: number; responseUrl?: string };
export type FakeSlackUser = { id: string; email?: string; emailConfirmed?: boolean; isBot?: boolean };

type Team = { id: string; name: string; token: string; botUserId: string };

export type SlackFake = {
  /** Ends with "/", as the clients require. */
  apiUrl: string;
  calls: SlackCall[];
  /** A one-time OAuth code that installs the bot into this team. */
  authorizeCode(teamId: string, teamName: string): string;
  /** Registers an installed team directly (benchmarks that seed the database) and returns its bot token. */
  installTeam(teamId: string, teamName: string): string;
  addUser(teamId: string, user: FakeSlackUser): void;
  addChannel(teamId: string, channelId: string, name: string): void;
  tokenOf(teamId: string): string | undefined;
  /** The Slack team a browser installs into through the consent page. */
  setConsentTeam(teamId: string, teamName: string): void;
  /** The team's next install issues a new bot token (as Slack does when the app's scopes change). */
  rotateToken(teamId: string): void;
  /** Replies posted to `responseUrl` (a slash command's or an action's). */
  responses(responseUrl: string): SlackCall[];
  /** The next `times` calls of `method` (by `teamId`'s bot, if given) answer 429 with Retry-After. */
  rateLimit(method: string, times: number, retryAfterSeconds: number, teamId?: string): void;
  /** Calls of `method` wait (unanswered) until the returned function is called. */
  hold(method: string): () => void;
  callsOf(method: string, teamId?: string): SlackCall[];
  close(): Promise<void>;
};

/** Headers Slack sends with a request: `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function slackSignature(signingSecret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return { "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature };
}

/**
 * Slack refuses a message over its limits: `text` over 40,000 characters, more than 50 blocks, or
 * a block's text over 3,000.
 */
function messageError(args: Record<string, unknown>): string | null {
  const text = typeof args.text === "string" ? args.text : "";
  if (text.length > 40_000) return "msg_too_long";
  const blocks = Array.isArray(args.blocks) ? (args.blocks as Record<string, unknown>[]) : [];
  if (blocks.length > 50) return "invalid_blocks";
  const texts = blocks.flatMap((b) => [
    (b.text as { text?: unknown } | undefined)?.text,
    ...((b.elements as { text?: unknown }[] | undefined) ?? []).map((e) => e.text),
  ]);
  for (const t of texts) {
    if (typeof t === "string" && t.length > 3_000) return "invalid_blocks";
  }
  return null;
}

function parseBody(raw: string, type: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (type?.includes("application/json")) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The Web API client sends arrays and objects (blocks) as JSON strings.
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}

function escapeHtml(v: string): string {
  return v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export async function startSlackFake(): Promise<SlackFake> {
  const calls: SlackCall[] = [];
  const codes = new Map<string, { id: string; name: string }>();
  const teams = new Map<string, Team>();
  const limits = new Map<string, { times: number; retryAfter: number; teamId?: string }>();
  const users = new Map<string, FakeSlackUser>(); // by `${teamId}/${userId}`
  const channels = new Map<string, string>();
  const rotate = new Set<string>();
  const holds = new Map<string, Promise<void>>();
  let ts = 1_700_000_000;
  let consentTeam = { id: "TCONSENT", name: "Consent Team" };

  const json = (res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) =>
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));

  const teamOf = (token: string | undefined) => [...teams.values()].find((t) => t.token === token);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    let raw = "";
    for await (const part of req) raw += String(part);
    const url = new URL(req.url ?? "/", "http://fake");
    if (url.pathname.startsWith("/oauth/") || url.pathname.startsWith("/_fake/")) return browserOrControl(req, res, url, raw);
    const method = url.pathname.replace(/^\/api\//, "");
    const args = parseBody(raw, req.headers["content-type"]);
    if (method.startsWith("response/")) {
      // A response_url: Slack answers a plain "ok".
      calls.push({ method: "response", teamId: null, args, at: Date.now(), responseUrl: `http://${req.headers.host}${req.url}` });
      return res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? (args.token as string | undefined);
    const team = teamOf(bearer);
    calls.push({ method, teamId: team?.id ?? null, args, at: Date.now() });
    await holds.get(method);

    const limit = limits.get(method);
    if (limit && limit.times > 0 && (!limit.teamId || limit.teamId === team?.id)) {
      limit.times--;
      return json(res, { ok: false, error: "ratelimited" }, 429, { "retry-after": String(limit.retryAfter) });
    }
    if (method === "oauth.v2.access") {
      const grant = codes.get(String(args.code));
      if (!grant) return json(res, { ok: false, error: "invalid_code" });
      codes.delete(String(args.code));
      const existing = teams.get(grant.id);
      // Like Slack, a reinstall of the same app keeps the team's bot token (unless told to rotate it).
      const token = existing && !rotate.delete(grant.id) ? existing.token : `xoxb-${grant.id}-${randomUUID().slice(0, 8)}`;
      const botUserId = existing?.botUserId ?? `UBOT${grant.id}`;
      teams.set(grant.id, { id: grant.id, name: grant.name, token, botUserId });
      return json(res, {
        ok: true,
        app_id: "AJACE",
        authed_user: { id: "UINSTALLER" },
        scope: "commands,chat:write,chat:write.public,users:read,users:read.email,channels:read,groups:read",
        token_type: "bot",
        access_token: token,
        bot_user_id: botUserId,
        team: { id: grant.id, name: grant.name },
        enterprise: null,
        is_enterprise_install: false,
      });
    }
    if (!team) return json(res, { ok: false, error: "invalid_auth" });
    const channel = String(args.channel ?? "");
    switch (method) {
      case "auth.test":
        return json(res, {
          ok: true,
          url: `https://${team.name}.slack.test/`,
          team: team.name,
          team_id: team.id,
          user_id: team.botUserId,
          bot_id: `B${team.id}`,
        });
      case "auth.revoke":
        teams.set(team.id, { ...team, token: `revoked-${randomUUID()}` });
        return json(res, { ok: true, revoked: true });
      case "chat.postMessage":
        if (!channel) return json(res, { ok: false, error: "channel_not_found" });
        if (messageError(args)) return json(res, { ok: false, error: messageError(args) });
        return json(res, { ok: true, channel, ts: `${++ts}.000100`, message: { text: args.text } });
      case "chat.update":
        if (messageError(args)) return json(res, { ok: false, error: messageError(args) });
        return json(res, { ok: true, channel, ts: args.ts, text: args.text });
      case "chat.postEphemeral":
        return json(res, { ok: true, message_ts: `${++ts}.000200` });
      case "users.info": {
        const user = users.get(`${team.id}/${String(args.user)}`);
        if (!user) return json(res, { ok: false, error: "user_not_found" });
        return json(res, {
          ok: true,
          user: {
            id: user.id,
            team_id: team.id,
            is_bot: user.isBot ?? false,
            is_email_confirmed: user.emailConfirmed ?? true,
            profile: { email: user.email },
          },
        });
      }
      case "conversations.info": {
        const name = channels.get(`${team.id}/${channel}`);
        return name ? json(res, { ok: true, channel: { id: channel, name } }) : json(res, { ok: false, error: "channel_not_found" });
      }
      default:
        return json(res, { ok: false, error: "unknown_method" });
    }
  }

  function browserOrControl(req: IncomingMessage, res: ServerResponse, url: URL, raw: string) {
    if (url.pathname === "/oauth/v2/authorize" && req.method === "GET") {
      const redirect = url.searchParams.get("redirect_uri");
      const state = url.searchParams.get("state");
      if (!redirect || !state) return res.writeHead(400, { "content-type": "text/plain" }).end("redirect_uri and state are required");
      const back = (params: Record<string, string>) => `${redirect}?${new URLSearchParams({ ...params, state })}`;
      const code = `code-${randomUUID()}`;
      codes.set(code, consentTeam);
      const page = `<!doctype html><title>Slack</title><h1>Jace is requesting permission to access the ${escapeHtml(consentTeam.name)} Slack workspace</h1>
<p>Scopes: ${escapeHtml(url.searchParams.get("scope") ?? "")}</p>
<a href="${escapeHtml(back({ error: "access_denied" }))}">Cancel</a> <a href="${escapeHtml(back({ code }))}">Allow</a>`;
      return res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    }
    if (url.pathname === "/_fake/calls" && req.method === "GET") {
      const method = url.searchParams.get("method");
      return json(res, method ? calls.filter((c) => c.method === method) : calls);
    }
    if (url.pathname === "/_fake/users" && req.method === "POST") {
      const { teamId, ...user } = JSON.parse(raw) as FakeSlackUser & { teamId: string };
      users.set(`${teamId}/${user.id}`, user);
      return json(res, { ok: true });
    }
    if (url.pathname === "/_fake/channels" && req.method === "POST") {
      const { teamId, channelId, name } = JSON.parse(raw) as { teamId: string; channelId: string; name: string };
      channels.set(`${teamId}/${channelId}`, name);
      return json(res, { ok: true });
    }
    return json(res, { ok: false, error: "unknown_method" }, 404);
  }

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    authorizeCode(teamId, teamName) {
      const code = `code-${randomUUID()}`;
      codes.set(code, { id: teamId, name: teamName });
      return code;
    },
    installTeam(teamId, teamName) {
      const token = `xoxb-${teamId}-${randomUUID().slice(0, 8)}`;
      teams.set(teamId, { id: teamId, name: teamName, token, botUserId: `UBOT${teamId}` });
      return token;
    },
    addUser(teamId, user) {
      users.set(`${teamId}/${user.id}`, user);
    },
    addChannel(teamId, channelId, name) {
      channels.set(`${teamId}/${channelId}`, name);
    },
    setConsentTeam(teamId, teamName) {
      consentTeam = { id: teamId, name: teamName };
    },
    tokenOf: (teamId) => teams.get(teamId)?.token,
    rotateToken: (teamId) => void rotate.add(teamId),
    responses: (responseUrl) => calls.filter((c) => c.method === "response" && c.responseUrl === responseUrl),
    hold(method) {
      let release!: () => void;
      holds.set(method, new Promise<void>((r) => (release = r)));
      return () => {
        holds.delete(method);
        release();
      };
    },
    rateLimit(method, times, retryAfterSeconds, teamId) {
      limits.set(method, { times, retryAfter: retryAfterSeconds, teamId });
    },
    callsOf: (method, teamId) => calls.filter((c) => c.method === method && (teamId === undefined || c.teamId === teamId)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
