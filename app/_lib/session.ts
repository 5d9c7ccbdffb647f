import "server-only";
import { redirect } from "next/navigation";
import { currentUser, type SessionUser } from "@/server/auth";

/** Only same-site paths are accepted as post-sign-in destinations (no open redirects). */
export function safeCallback(value: string | string[] | undefined, fallback = "/w"): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v || !v.startsWith("/") || v.startsWith("//") || v.startsWith("/\\")) return fallback;
  return v;
}

export async function requireUser(returnTo: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}
