import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { existingSlackLink, issueLinkCode, readLinkToken } from "@/server/integrations/slack";
import type { UserActor } from "../audit/record";
import type { SlackLinkRequest } from "./schemas";

/**
 * The link page for a Slack user Jace does not know (server/integrations/slack/link-code.ts has
 * the design): it names the Slack user and team, and gives the signed-in member a one-time code
 * that only that Slack user can redeem in Slack. Nothing is linked here.
 */

async function claimFor(db: Db, workspaceId: string, token: string) {
  const claim = readLinkToken(token);
  // The token's installation must belong to the workspace in the URL, not merely exist.
  const installation = claim
    ? await db.slackInstallation.findFirst({ where: { id: claim.installationId, workspaceId, disconnectedAt: null } })
    : null;
  if (!claim || !installation)
    throw new AppError(
      "NOT_FOUND",
      "This link is not valid for this workspace, or it has expired (links work for 30 minutes). Run a /jace command in Slack again for a new one.",
    );
  return { claim, installation };
}

export async function slackLinkRequest(
  db: Db,
  workspaceId: string,
  actor: UserActor,
  role: string,
  token: string,
): Promise<SlackLinkRequest> {
  const { claim, installation } = await claimFor(db, workspaceId, token);
  const existing = await existingSlackLink(db, installation, claim.slackUserId);
  return {
    teamName: installation.teamName,
    slackUserId: claim.slackUserId,
    slackUserName: claim.slackUserName,
    email: actor.label,
    role,
    linked: !existing ? "no" : existing.userId === actor.id ? "you" : "other",
  };
}

export async function startSlackLink(db: Db, workspaceId: string, actor: UserActor, token: string) {
  const { claim, installation } = await claimFor(db, workspaceId, token);
  const existing = await existingSlackLink(db, installation, claim.slackUserId);
  if (existing?.userId === actor.id) throw new AppError("CONFLICT", "This Slack account is already linked to you. Nothing to do.");
  if (existing) {
    throw new AppError(
      "CONFLICT",
      "This Slack account is already linked to another member of this workspace, and a link is never replaced. Ask an admin to remove the old link first.",
    );
  }
  return issueLinkCode(db, installation, claim.slackUserId, actor.id);
}
