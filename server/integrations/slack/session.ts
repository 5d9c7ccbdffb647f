import type { IncomingMessage } from "node:http";
import type { Db } from "@/server/db";

/**
 * The signed-in user of a plain Node request (the install link is served outside Next). Sessions
 * are Auth.js database sessions: the cookie holds the session token.
 */
const COOKIES = ["__Secure-authjs.session-token", "authjs.session-token"];

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

export async function sessionUserId(db: Db, req: IncomingMessage): Promise<string | null> {
  for (const name of COOKIES) {
    const token = readCookie(req, name);
    if (!token) continue;
    const session = await db.session.findUnique({ where: { sessionToken: token } });
    if (session && session.expires > new Date()) return session.userId;
  }
  return null;
}
