"use server";
import { safeCallback } from "@/app/_lib/session";
import { signOut } from "@/server/auth";

/** Signs out and sends the person to sign-in, coming back to the invitation afterwards. */
export async function signOutAndReturn(form: FormData): Promise<void> {
  const back = safeCallback(String(form.get("callbackUrl") ?? ""), "/w");
  await signOut({ redirectTo: `/signin?callbackUrl=${encodeURIComponent(back)}` });
}
