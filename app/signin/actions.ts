"use server";
import { AuthError } from "next-auth";
import { z } from "zod";
import { signIn } from "@/server/auth";
import { logger } from "@/server/logger";
import { safeCallback } from "@/app/_lib/session";

export type SignInState = { error?: string; email?: string };

const email = z.string().trim().toLowerCase().max(254, "That email address is too long.").pipe(z.email("Enter a valid email address."));

export async function signInWithEmail(_prev: SignInState, form: FormData): Promise<SignInState> {
  const raw = String(form.get("email") ?? "");
  const parsed = email.safeParse(raw);
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Enter a valid email address.", email: raw };
  try {
    // Redirects (a thrown NEXT_REDIRECT) to the check-your-email page on success.
    await signIn("email", { email: parsed.data, redirectTo: safeCallback(String(form.get("callbackUrl") ?? "")) });
  } catch (error) {
    if (error instanceof AuthError) {
      logger.warn({ type: error.type }, "email sign-in failed");
      return { error: "We could not send the sign-in email. Try again in a moment.", email: raw };
    }
    throw error;
  }
  return {};
}

export async function signInWithGitHub(form: FormData): Promise<void> {
  await signIn("github", { redirectTo: safeCallback(String(form.get("callbackUrl") ?? "")) });
}
