import type { App } from "@slack/bolt";
import type { Db } from "@/server/db";
import { logger } from "@/server/logger";
import { disconnectInstallation } from "./installations";

/**
 * Slack telling us the app is gone: uninstalled from the team, or its bot token revoked. The
 * installation is disconnected (token deleted) and the Integrations page says so.
 */
export function registerEvents(app: App, db: Db): void {
  app.event("app_uninstalled", async ({ body }) => {
    const teamId = (body as { team_id?: string }).team_id;
    if (teamId) await disconnectInstallation(db, teamId, "Jace was uninstalled from Slack");
    logger.info({ teamId }, "slack app uninstalled");
  });
  app.event("tokens_revoked", async ({ body, event }) => {
    const teamId = (body as { team_id?: string }).team_id;
    // A revoked user token does not matter to Jace; a revoked bot token disconnects.
    if (teamId && (event.tokens.bot?.length ?? 0) > 0) await disconnectInstallation(db, teamId, "The bot token was revoked in Slack");
  });
}
