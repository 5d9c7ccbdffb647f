"use server";
import { AuthError } from "next-auth";
import { cookies } from "next/headers";
import { z } from "zod";
import { signIn } from "@/server/auth";
import { getEnv } from "@/server/env";
import { logger } from "@/server/logger";
import { safeCallback } from "@/app/_lib/session";
import { SIGN_IN_EMAIL_COOKIE } from "./email-cookie";

/** `fieldError` is the address's fault (shown under the field), `formError` is not (shown below the form). */
export type SignInState = { fieldError?: string; formError?: string; email?: string };

const email = z.string().trim().toLowerCase().max(254, "That email address is too long.").pipe(z.email("Enter a valid email address."));

export async function signInWithEmail(_prev: SignInState, form: FormData): Promise<SignInState> {
  const raw = String(form.get("email") ?? "");
  const parsed = email.safeParse(raw);
  if (!parsed.success) return { fieldError: parsed.error.issues[0]?.message ?? "Enter a valid email address.", email: raw };
  (await cookies()).set(SIGN_IN_EMAIL_COOKIE, parsed.data, {
    httpOnly: true,
    sameSite: "lax",
    secure: getEnv().appUrl.startsWith("https:"),
    path: "/signin",
    maxAge: 24 * 60 * 60,
  });
  try {
    // Redirects (a thrown NEXT_REDIRECT) to the check-your-email page on success.
    await signIn("email", { email: parsed.data, redirectTo: safeCallback(String(form.get("callbackUrl") ?? "")) });
  } catch (error) {
    if (error instanceof AuthError) {
      logger.warn({ type: error.type }, "email sign-in failed");
      return { formError: "We could not send the sign-in email. Try again in a moment.", email: raw };
    }
    throw error;
  }
  return {};
}

export async function signInWithGitHub(form: FormData): Promise<void> {
  await signIn("github", { redirectTo: safeCallback(String(form.get("callbackUrl") ?? "")) });
}
