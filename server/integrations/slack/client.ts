import { webApi } from "@slack/bolt";
import { logger } from "@/server/logger";
import { slackLogger } from "./bolt-logger";
import type { SlackConfig } from "./config";

export type SlackClient = InstanceType<typeof webApi.WebClient>;

/**
 * Slack answers 429 with Retry-After when a method's rate limit is hit; the client waits that long
 * and retries (a few times, then gives up rather than holding a pipeline step for half an hour).
 */
export const retryConfig = { retries: 4, factor: 2, minTimeout: 500, maxTimeout: 10_000 };

const clients = new Map<string, SlackClient>();

/** One Web API client per bot token (it keeps its own rate-limit queue). */
export function botClient(config: SlackConfig, token: string): SlackClient {
  const key = `${config.apiUrl}|${token}`;
  let client = clients.get(key);
  if (!client) {
    client = new webApi.WebClient(token, {
      slackApiUrl: config.apiUrl,
      retryConfig,
      logger: slackLogger(logger.child({ component: "slack-web-api" })),
    });
    if (clients.size > 1000) clients.clear();
    clients.set(key, client);
  }
  return client;
}
