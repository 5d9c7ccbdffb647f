import type { Db } from "@/server/db";
import { registerDeliveryChannel } from "@/server/features/tasks/deliver";
import type { Logger } from "@/server/logger";
import { createSlackApp, type NodeHandler } from "./app";
import { slackConfig } from "./config";
import { slackDelivery } from "./deliver";
import { startThreadSync } from "./threads";

/**
 * The Slack integration's only entry point. `startSlack` is called by the app process (and tests):
 * the Bolt handler to mount under SLACK_PREFIX and the thread sync that edits task threads in
 * place. The delivery channel is registered where the pipeline runs (inngest/functions).
 */
export { SLACK_PREFIX, SLACK_SETTINGS, SLACK_EVENTS_PATH, SLACK_INSTALL_PATH, SLACK_REDIRECT_PATH, slackConfig } from "./config";
export { createSlackApp, type NodeHandler } from "./app";
export { slackDelivery } from "./deliver";
export { disconnectInstallation, findInstallation } from "./installations";
export { readLinkToken, createLinkToken } from "./link-token";
export { botClient } from "./client";
export { digestChannels, postDigest } from "./digest";

export function registerSlackDelivery(): void {
  registerDeliveryChannel(slackDelivery);
}

export type SlackRuntime = {
  handler: NodeHandler | null;
  /** Resolves when the work started by acknowledged requests (task intake, threads) is done. */
  idle: () => Promise<void>;
  stop: () => Promise<void>;
};

export function startSlack(db: Db, log: Logger, opts: { batchMs?: number; intakeConcurrency?: number } = {}): SlackRuntime {
  const config = slackConfig();
  if (!config) return { handler: null, idle: async () => {}, stop: async () => {} };
  const { handler, idle } = createSlackApp(db, config, log, opts);
  const stopSync = startThreadSync(db, opts);
  log.info("Slack integration on");
  return {
    handler,
    idle,
    stop: async () => {
      await idle();
      await stopSync();
    },
  };
}
