import { randomInt } from "node:crypto";
import type { Db } from "@/server/db";
import { hashToken, safeEqual } from "@/server/crypto";
import { AppError } from "@/server/errors";
import { recordAudit } from "@/server/features/audit/record";

/**
 * Linking a Slack user to a Jace member takes both of them. The signed-in member asks for a code
 * on the link page (which names the Slack user and team); the code is bound to that Slack user and
 * that member, lives 10 minutes, works once, and only the Slack user it names can redeem it, by
 * typing `/jace link <code>` in Slack. A link forwarded to someone else (the attack: a member
 * sends an admin their link) therefore links nobody: the admin's code does nothing unless the
 * admin hands it back, and the page says never to. An existing link is never overwritten.
 */

export const LINK_CODE_TTL_MS = 10 * 60_000;
const MAX_FAILED = 5;

const hash = (code: string) => hashToken(`slack-link-code:${code}`);

/** "1234 5678", "1234-5678" and "12345678" are the same code. */
export const normalizeLinkCode = (code: string) => code.replace(/[\s-]/g, "");

export async function existingSlackLink(db: Db, installation: { id: string; workspaceId: string }, slackUserId: string) {
  const link = await db.slackUserLink.findUnique({
    where: { installationId_slackUserId: { installationId: installation.id, slackUserId } },
  });
  if (!link) return null;
  // A link to someone who left the workspace no longer counts: it may be replaced.
  const member = await db.membership.findFirst({ where: { workspaceId: installation.workspaceId, userId: link.userId } });
  return member ? link : null;
}

export async function issueLinkCode(
  db: Db,
  installation: { id: string; workspaceId: string },
  slackUserId: string,
  userId: string,
): Promise<{ code: string; expiresAt: Date }> {
  const code = String(randomInt(0, 100_000_000)).padStart(8, "0");
  const expiresAt = new Date(Date.now() + LINK_CODE_TTL_MS);
  // One pending code per member and Slack user: asking again replaces the previous one.
  await db.slackLinkCode.updateMany({
    where: { installationId: installation.id, slackUserId, userId, usedAt: null },
    data: { usedAt: new Date() },
  });
  await db.slackLinkCode.create({
    data: { workspaceId: installation.workspaceId, installationId: installation.id, slackUserId, userId, codeHash: hash(code), expiresAt },
  });
  return { code, expiresAt };
}

/** Redeems `code` for the Slack user who typed it; returns the member it is now linked to. */
export async function redeemLinkCode(
  db: Db,
  installation: { id: string; workspaceId: string; teamId: string },
  slackUserId: string,
  code: string,
): Promise<{ email: string }> {
  const pending = await db.slackLinkCode.findMany({
    where: {
      installationId: installation.id,
      slackUserId,
      usedAt: null,
      expiresAt: { gt: new Date() },
      failedAttempts: { lt: MAX_FAILED },
    },
  });
  const wanted = hash(normalizeLinkCode(code));
  const match = pending.find((p) => safeEqual(p.codeHash, wanted));
  if (!match) {
    // Every wrong guess counts against all of this Slack user's pending codes.
    if (pending.length > 0) {
      await db.slackLinkCode.updateMany({ where: { id: { in: pending.map((p) => p.id) } }, data: { failedAttempts: { increment: 1 } } });
    }
    throw new AppError(
      "BAD_REQUEST",
      "That code is not valid for your Slack account, or it has expired. Open the link Jace gave you, get a new code, and type it here within 10 minutes.",
    );
  }
  const membership = await db.membership.findFirst({
    where: { workspaceId: installation.workspaceId, userId: match.userId },
    include: { user: { select: { email: true } } },
  });
  if (!membership)
    throw new AppError("NOT_FOUND", "The Jace account that asked for this code is no longer a member. Ask an admin to invite it.");
  const existing = await existingSlackLink(db, installation, slackUserId);
  if (existing && existing.userId !== match.userId) {
    throw new AppError(
      "CONFLICT",
      "Your Slack account is already linked to another Jace member. An admin can unlink it on the Integrations page.",
    );
  }
  await db.$transaction(async (tx) => {
    const claimed = await tx.slackLinkCode.updateMany({ where: { id: match.id, usedAt: null }, data: { usedAt: new Date() } });
    if (claimed.count === 0) throw new AppError("CONFLICT", "That code was already used.");
    await tx.slackUserLink.deleteMany({ where: { installationId: installation.id, slackUserId } });
    await tx.slackUserLink.create({
      data: {
        workspaceId: installation.workspaceId,
        installationId: installation.id,
        slackUserId,
        userId: match.userId,
        linkedVia: "link",
      },
    });
    await recordAudit(tx, installation.workspaceId, { type: "user", id: match.userId, label: membership.user.email }, null, {
      action: "slack.user_linked",
      targetType: "slack_user",
      targetId: slackUserId,
      metadata: { teamId: installation.teamId },
    });
  });
  return { email: membership.user.email };
}
