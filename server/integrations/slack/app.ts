import type { IncomingMessage, ServerResponse } from "node:http";
import { App, HTTPReceiver, type BlockAction, type ButtonAction, type StaticSelectAction } from "@slack/bolt";
import { can } from "@/server/auth/permissions";
import type { Db } from "@/server/db";
import { toAppError } from "@/server/errors";
import { defaultTitle } from "@/server/features/tasks/intake";
import type { Logger } from "@/server/logger";
import { handleAction } from "./actions";
import { slackLogger } from "./bolt-logger";
import { botClient, retryConfig } from "./client";
import { parseCommand } from "./commands";
import { SLACK_EVENTS_PATH, SLACK_INSTALL_PATH, SLACK_REDIRECT_PATH, SLACK_SCOPES, type SlackConfig } from "./config";
import { registerEvents } from "./events";
import { findInstallation, installationStore, installMetadata } from "./installations";
import { slashCommand, type Inbox } from "./inbox";
import { ephemeral, escape, helpMessage } from "./messages";
import { sessionUserId } from "./session";

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export const NOT_CONNECTED =
  "Jace is not connected to this Slack workspace (it was uninstalled or disconnected). An admin of your Jace workspace can connect it again from Integrations in Jace.";

/**
 * The real Bolt app on its HTTP receiver: it verifies every request's signature (v0 HMAC with
 * a five-minute timestamp window either way: anything else is a 401 before a listener runs), runs the OAuth
 * install, and dispatches commands, button clicks and events. `handler` is mounted on the app's
 * server under /api/slack/.
 */
export function createSlackApp(db: Db, config: SlackConfig, log: Logger, inbox: Pick<Inbox, "accept">): { app: App; handler: NodeHandler } {
  const redirectUri = `${config.appUrl}${SLACK_REDIRECT_PATH}`;
  const boltLog = slackLogger(log.child({ component: "slack" }));
  const done = (res: ServerResponse, location: string) => {
    res.writeHead(302, { location }).end();
  };
  const integrationsUrl = async (metadata: string | undefined, query: string) => {
    const meta = installMetadata.safeParse(safeJson(metadata));
    const ws = meta.success ? await db.workspace.findUnique({ where: { id: meta.data.workspaceId } }) : null;
    return ws ? `${config.appUrl}/w/${ws.slug}/integrations?${query}` : `${config.appUrl}/w?${query}`;
  };

  const receiver = new HTTPReceiver({
    signingSecret: config.signingSecret,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    stateSecret: config.stateSecret,
    scopes: SLACK_SCOPES,
    redirectUri,
    endpoints: SLACK_EVENTS_PATH,
    installationStore: installationStore(db),
    // Listeners ack with the reply itself (the ephemeral answer is the HTTP response) and leave
    // slow work running detached, so the response still goes out within Slack's 3 seconds.
    processBeforeResponse: true,
    logger: boltLog,
    installerOptions: {
      directInstall: true,
      // Slack's consent page sits beside its Web API (https://slack.com/oauth/v2/authorize next to
      // https://slack.com/api/), so a loopback fake at SLACK_API_URL serves both.
      authorizationUrl: new URL("../oauth/v2/authorize", config.apiUrl).toString(),
      installPath: SLACK_INSTALL_PATH,
      redirectUriPath: SLACK_REDIRECT_PATH,
      clientOptions: { slackApiUrl: config.apiUrl },
      callbackOptions: {
        successAsync: async (installation, _opts, _req, res) => done(res, await integrationsUrl(installation.metadata, "slack=connected")),
        failureAsync: async (error, opts, _req, res) => {
          const cause = toAppError(error);
          const code =
            cause.code === "INTERNAL"
              ? error.code === "slack_oauth_installer_authorization_error"
                ? "cancelled"
                : "failed"
              : cause.code.toLowerCase();
          log.warn({ err: error, code }, "slack install failed");
          done(res, await integrationsUrl(opts.metadata, `slack_error=${encodeURIComponent(code)}`));
        },
      },
    },
  });

  // No conversation store: Jace keeps no per-conversation state in Bolt (one fewer step per request).
  const app = new App({ receiver, logger: boltLog, convoStore: false, clientOptions: { slackApiUrl: config.apiUrl, retryConfig } });

  // The acknowledgement path: parse, and for anything beyond help one INSERT into the inbox (which
  // also finds the team's installation). Nothing slow or remote happens before the reply.
  app.command("/jace", async ({ command, ack }) => {
    const parsed = parseCommand(command.text);
    if (parsed.kind === "help") return ack({ response_type: "ephemeral", ...helpMessage(parsed.unknown) });
    if (parsed.kind === "invalid") return ack({ response_type: "ephemeral", ...ephemeral(parsed.message) });
    const input = slashCommand.safeParse(command);
    if (!input.success) return ack({ response_type: "ephemeral", ...ephemeral("Slack sent an incomplete command. Try again.") });
    let outcome;
    try {
      outcome = await inbox.accept(command.team_id, input.data);
    } catch (err) {
      log.error({ err, teamId: command.team_id }, "could not write a slack command to the inbox");
      return ack({
        response_type: "ephemeral",
        ...ephemeral("Jace could not take this command: its database did not answer. Try again in a minute."),
      });
    }
    if (outcome === "disconnected") return ack({ response_type: "ephemeral", ...ephemeral(NOT_CONNECTED) });
    // A repeated delivery (Slack retrying): the first one is being handled; say nothing twice.
    if (outcome === "duplicate") return ack();
    if (parsed.kind === "task") {
      return ack({
        response_type: "ephemeral",
        ...ephemeral(`Working on it: ${escape(defaultTitle(parsed.task))}. The task and its progress follow in a thread here.`),
      });
    }
    // The answer follows through the command's response_url once the inbox has handled it.
    return ack();
  });

  app.action(/^jace_/, async ({ ack, body, action }) => {
    await ack();
    const b = body as BlockAction;
    const a = action as ButtonAction | StaticSelectAction;
    const teamId = b.team?.id;
    const channelId = b.channel?.id;
    if (!teamId || !channelId) return;
    const value = a.type === "static_select" ? a.selected_option.value : (a.value ?? "");
    // Everything after the acknowledgement, detached: the response goes out as soon as this returns.
    void (async () => {
      const installation = await findInstallation(db, teamId);
      if (!installation) return;
      await handleAction(
        { db, config, installation, client: botClient(config, installation.botToken) },
        {
          actionId: a.action_id,
          value,
          slackUserId: b.user.id,
          slackUserName: b.user.name ?? b.user.username ?? "",
          channelId,
          channelName: b.channel?.name,
        },
      );
    })().catch((err: unknown) => log.warn({ err, actionId: a.action_id }, "slack action failed"));
  });

  registerEvents(app, db);
  // Rethrown so the receiver answers as Bolt would.
  app.error(async (err) => {
    log.warn({ err: err.original ?? err, code: err.code }, "slack request failed");
    throw err;
  });

  const handler: NodeHandler = (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === SLACK_INSTALL_PATH && req.method === "GET") {
      void startInstall(req, res).catch((err: unknown) => {
        log.error({ err }, "slack install start failed");
        if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
      });
      return;
    }
    if (path === SLACK_EVENTS_PATH && !freshTimestamp(req.headers["x-slack-request-timestamp"])) {
      log.warn({ timestamp: req.headers["x-slack-request-timestamp"] }, "slack request outside the five-minute window");
      res.writeHead(401).end(); // as Bolt answers a bad signature
      return;
    }
    try {
      receiver.requestListener(req, res);
    } catch {
      // Bolt throws for paths it does not serve.
      if (!res.headersSent) res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
    }
  };

  /**
   * The install link on the Integrations page: only an admin of the workspace named in the query
   * may start it, and the signed state carries that workspace through Slack and back.
   */
  async function startInstall(req: IncomingMessage, res: ServerResponse) {
    const slug = new URL(req.url ?? "/", "http://localhost").searchParams.get("workspace") ?? "";
    const back = `/w/${encodeURIComponent(slug)}/integrations`;
    const userId = await sessionUserId(db, req);
    if (!userId) return done(res, `${config.appUrl}/signin?callbackUrl=${encodeURIComponent(back)}`);
    const membership = await db.membership.findFirst({ where: { userId, workspace: { slug } } });
    if (!membership) return done(res, `${config.appUrl}/w`);
    if (!can(membership.role, "integrations.manage")) return done(res, `${config.appUrl}${back}?slack_error=forbidden`);
    await receiver.installer!.handleInstallPath(req, res, undefined, {
      scopes: SLACK_SCOPES,
      redirectUri,
      metadata: JSON.stringify({ workspaceId: membership.workspaceId, userId }),
    });
  }

  return { app, handler };
}

/** Slack's replay window. */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

/**
 * Bolt refuses a timestamp more than five minutes old but accepts any in the future, so a captured
 * request signed ahead of time could be replayed later: both directions are refused here, and so is
 * a header that is not plain Unix seconds (Bolt would compare it as a string).
 */
export function freshTimestamp(header: string | string[] | undefined, nowMs = Date.now()): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,12}$/.test(value)) return false;
  return Math.abs(Math.floor(nowMs / 1000) - Number(value)) <= SLACK_MAX_SKEW_SECONDS;
}

function safeJson(value: string | undefined): unknown {
  try {
    return value ? JSON.parse(value) : null;
  } catch {
    return null;
  }
}
