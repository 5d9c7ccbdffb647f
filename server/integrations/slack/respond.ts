import { logger } from "@/server/logger";
import type { SlackConfig } from "./config";
import type { SlackMessage } from "./messages";

/**
 * Answers a slash command after its acknowledgement, through the response_url Slack sent with it
 * (valid 30 minutes, up to five times): the reply is ephemeral, seen only by the person who typed
 * the command. Only Slack's own hosts (or the configured API's, for the loopback fake) are called.
 */
export async function respond(config: SlackConfig, responseUrl: string, message: SlackMessage): Promise<void> {
  if (!allowedResponseUrl(config, responseUrl)) {
    logger.warn({ responseUrl: responseUrl.slice(0, 100) }, "slack response_url not on a Slack host; reply dropped");
    return;
  }
  const res = await fetch(responseUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ response_type: "ephemeral", replace_original: false, ...message }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) logger.warn({ status: res.status }, "slack response_url refused the reply");
  await res.body?.cancel();
}

export function allowedResponseUrl(config: SlackConfig, url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === "https:" && (u.hostname === "hooks.slack.com" || u.hostname.endsWith(".slack.com"))) return true;
    return u.origin === new URL(config.apiUrl).origin;
  } catch {
    return false;
  }
}
