import { createHmac } from "node:crypto";
import { z } from "zod";
import { safeEqual } from "@/server/crypto";
import { getEnv } from "@/server/env";

/**
 * The link Jace gives a Slack user it does not know: a signed, short-lived token naming the
 * installation and the Slack user (with the name Slack sent, to show on the page). It grants
 * nothing by itself: the page shows who is being linked and issues a one-time code that only that
 * Slack user can redeem in Slack (see link-code.ts), so a forwarded link cannot link anyone else.
 */
const payload = z.object({
  i: z.string().min(1).max(64),
  u: z.string().min(1).max(32),
  n: z.string().max(100).default(""),
  e: z.number().int(),
});
export const LINK_TOKEN_TTL_MS = 30 * 60 * 1000;

export type LinkClaim = { installationId: string; slackUserId: string; slackUserName: string };

const sign = (body: string) =>
  createHmac("sha256", getEnv().AUTH_SECRET ?? "jace-development-only")
    .update(`slack-link:${body}`)
    .digest("base64url");

export function createLinkToken(installationId: string, slackUserId: string, slackUserName = "", now = Date.now()): string {
  const body = Buffer.from(
    JSON.stringify({ i: installationId, u: slackUserId, n: slackUserName.slice(0, 100), e: now + LINK_TOKEN_TTL_MS }),
  ).toString("base64url");
  return `${body}.${sign(body)}`;
}

export function readLinkToken(token: string, now = Date.now()): LinkClaim | null {
  const [body, sig] = token.split(".");
  if (!body || !sig || !safeEqual(sig, sign(body))) return null;
  try {
    const parsed = payload.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
    if (!parsed.success || parsed.data.e < now) return null;
    return { installationId: parsed.data.i, slackUserId: parsed.data.u, slackUserName: parsed.data.n };
  } catch {
    return null;
  }
}
