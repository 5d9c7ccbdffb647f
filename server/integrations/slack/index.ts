import type { Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { registerDeliveryChannel } from "@/server/features/tasks/deliver";
import type { Logger } from "@/server/logger";
import { createSlackApp, NOT_CONNECTED, type NodeHandler } from "./app";
import { createChannelQueue } from "./channel-queue";
import { botClient } from "./client";
import { runCommand } from "./command";
import { slackConfig, type SlackConfig } from "./config";
import { slackDelivery } from "./deliver";
import { startInbox, type InboxOptions, type InboxRow } from "./inbox";
import { findInstallation } from "./installations";
import { ephemeral, taskUrl } from "./messages";
import { respond } from "./respond";
import { postRoot, startThreadSync } from "./threads";

/**
 * The Slack integration's only entry point. `startSlack` is called by the app process (and tests):
 * the Bolt handler to mount under SLACK_PREFIX, the inbox drainer that turns acknowledged commands
 * into work, the per-channel queue that posts new threads, and the thread sync that edits them in
 * place. The delivery channel is registered where the pipeline runs (inngest/functions).
 */
export { SLACK_PREFIX, SLACK_SETTINGS, SLACK_EVENTS_PATH, SLACK_INSTALL_PATH, SLACK_REDIRECT_PATH, slackConfig } from "./config";
export { createSlackApp, type NodeHandler } from "./app";
export { slackDelivery } from "./deliver";
export { disconnectInstallation, findInstallation } from "./installations";
export { readLinkToken, createLinkToken, LINK_TOKEN_TTL_MS } from "./link-token";
export { existingSlackLink, issueLinkCode, LINK_CODE_TTL_MS } from "./link-code";
export { botClient } from "./client";
export { digestChannels, postDigest } from "./digest";

export function registerSlackDelivery(): void {
  registerDeliveryChannel(slackDelivery);
}

export type SlackRuntime = {
  handler: NodeHandler | null;
  /** Resolves when the work started by acknowledged requests (commands from the inbox, new threads) is done. */
  idle: () => Promise<void>;
  stop: () => Promise<void>;
};

export type SlackOptions = InboxOptions & {
  /** How long task events are gathered into one thread sync. */
  batchMs?: number;
  /** Channels whose new threads are posted at once. */
  threadConcurrency?: number;
};

export function startSlack(db: Db, log: Logger, opts: SlackOptions = {}): SlackRuntime {
  const configured = slackConfig();
  const databaseUrl = getEnv().DATABASE_URL;
  if (!configured || !databaseUrl) return { handler: null, idle: async () => {}, stop: async () => {} };
  const config: SlackConfig = configured;
  const sync = startThreadSync(db, opts);
  const threads = createChannelQueue(opts.threadConcurrency ?? 4, (err) => log.warn({ err }, "could not start a Slack thread"));

  async function handle(row: InboxRow) {
    const installation = await findInstallation(db, row.teamId);
    const client = installation && botClient(config, installation.botToken);
    const reply =
      !installation || !client || installation.id !== row.installationId
        ? ephemeral(NOT_CONNECTED)
        : await runCommand({
            db,
            config,
            installation,
            client,
            command: row.command,
            startThread: ({ threadId, channelId, task, asOf }) => {
              sync.starting(task.id);
              threads.push(`${row.teamId}:${channelId}`, async () => {
                try {
                  await postRoot(db, threadId, channelId, task, client, taskUrl(config.appUrl, installation.workspace.slug, task.id));
                } finally {
                  sync.rendered(task.id, asOf);
                }
              });
            },
          });
    // A reply that cannot be delivered is not worth running the command again for.
    if (reply) await respond(config, row.command.response_url, reply).catch((err: unknown) => log.warn({ err }, "slack reply failed"));
  }
  const giveUp = (row: InboxRow) =>
    respond(
      config,
      row.command.response_url,
      ephemeral("Something went wrong on our side and Jace could not handle your command. It has been logged; try again in a minute."),
    );
  const inbox = startInbox(databaseUrl, handle, giveUp, log.child({ component: "slack-inbox" }), opts);
  const { handler } = createSlackApp(db, config, log, inbox);
  log.info("Slack integration on");
  const idle = async () => {
    await inbox.idle();
    await threads.idle();
  };
  return {
    handler,
    idle,
    stop: async () => {
      await inbox.stop();
      await threads.idle();
      await sync.stop();
    },
  };
}
