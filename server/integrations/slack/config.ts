import { createHmac } from "node:crypto";
import { getEnv } from "@/server/env";

/**
 * Slack settings derived from env. Paths are fixed so the manifest (slack-app-manifest.yml) and
 * the server agree; every Slack request arrives at one endpoint.
 */
export const SLACK_PREFIX = "/api/slack/";
export const SLACK_EVENTS_PATH = "/api/slack/events";
export const SLACK_INSTALL_PATH = "/api/slack/install";
export const SLACK_REDIRECT_PATH = "/api/slack/oauth_redirect";

/** What the bot needs: slash commands, posting and editing in threads, user emails, channel names. */
export const SLACK_SCOPES = [
  "commands",
  "chat:write",
  "chat:write.public",
  "users:read",
  "users:read.email",
  "channels:read",
  "groups:read",
];

/** The settings the Integrations page lists when Slack is not configured. */
export const SLACK_SETTINGS = ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET"] as const;

export type SlackConfig = {
  clientId: string;
  clientSecret: string;
  signingSecret: string;
  stateSecret: string;
  /** Ends with "/", as the Web API client requires. */
  apiUrl: string;
  appUrl: string;
};

export function slackConfig(): SlackConfig | null {
  const env = getEnv();
  if (!env.slack) return null;
  const apiUrl = env.SLACK_API_URL ?? "https://slack.com/api/";
  return {
    clientId: env.SLACK_CLIENT_ID!,
    clientSecret: env.SLACK_CLIENT_SECRET!,
    signingSecret: env.SLACK_SIGNING_SECRET!,
    stateSecret:
      env.SLACK_STATE_SECRET ??
      createHmac("sha256", env.AUTH_SECRET ?? "jace-development-only")
        .update("jace slack oauth state")
        .digest("hex"),
    apiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`,
    appUrl: env.appUrl,
  };
}
