import { createHmac } from "node:crypto";
import { z } from "zod";
import { safeEqual } from "@/server/crypto";
import { getEnv } from "@/server/env";

/**
 * The one-click link for a Slack user Jace does not know: a signed, expiring token naming the
 * installation and the Slack user. Whoever opens it signed in (and a member of the workspace)
 * becomes that Slack user in Jace.
 */
const payload = z.object({ i: z.string().min(1).max(64), u: z.string().min(1).max(32), e: z.number().int() });
const TTL_MS = 24 * 60 * 60 * 1000;

const sign = (body: string) =>
  createHmac("sha256", getEnv().AUTH_SECRET ?? "jace-development-only")
    .update(`slack-link:${body}`)
    .digest("base64url");

export function createLinkToken(installationId: string, slackUserId: string, now = Date.now()): string {
  const body = Buffer.from(JSON.stringify({ i: installationId, u: slackUserId, e: now + TTL_MS })).toString("base64url");
  return `${body}.${sign(body)}`;
}

export function readLinkToken(token: string, now = Date.now()): { installationId: string; slackUserId: string } | null {
  const [body, sig] = token.split(".");
  if (!body || !sig || !safeEqual(sig, sign(body))) return null;
  try {
    const parsed = payload.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
    if (!parsed.success || parsed.data.e < now) return null;
    return { installationId: parsed.data.i, slackUserId: parsed.data.u };
  } catch {
    return null;
  }
}
