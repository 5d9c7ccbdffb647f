import { PrismaAdapter } from "@auth/prisma-adapter";
import NextAuth, { type NextAuthConfig } from "next-auth";
import type { EmailConfig } from "next-auth/providers/email";
import GitHub from "next-auth/providers/github";
import { createElement } from "react";
import { SignInEmail } from "@/emails/sign-in";
import { sendEmail } from "@/emails/send";
import { getDb } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";

/**
 * Auth.js (next-auth v5) with database sessions in Postgres. Email magic links always; GitHub
 * OAuth when AUTH_GITHUB_ID/SECRET are set. Built lazily so configuration is read at first use.
 */

const emailProvider: EmailConfig = {
  id: "email",
  type: "email",
  name: "Email",
  maxAge: 24 * 60 * 60,
  options: {},
  normalizeIdentifier: (identifier) => identifier.trim().toLowerCase(),
  async sendVerificationRequest({ identifier, url }) {
    const env = getEnv();
    await sendEmail({
      to: identifier,
      subject: "Sign in to Jace",
      kind: "sign-in",
      react: createElement(SignInEmail, { url, host: new URL(env.appUrl).host }),
    });
    // Development convenience the issue asks for: the link in the log. Never with real SMTP.
    if (env.devMailbox) logger.info(`sign-in link for ${identifier}: ${url}`);
  },
};

function config(): NextAuthConfig {
  const env = getEnv();
  return {
    adapter: PrismaAdapter(getDb()),
    secret: env.AUTH_SECRET,
    trustHost: true,
    session: { strategy: "database", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/signin", verifyRequest: "/signin/check-email", error: "/signin" },
    providers: [
      emailProvider,
      ...(env.githubAuth
        ? [GitHub({ clientId: env.AUTH_GITHUB_ID, clientSecret: env.AUTH_GITHUB_SECRET, allowDangerousEmailAccountLinking: true })]
        : []),
    ],
    callbacks: {
      session({ session, user }) {
        session.user.id = user.id;
        return session;
      },
    },
    logger: {
      error: (error) => logger.error({ err: error }, "auth error"),
      warn: (code) => logger.warn({ code }, "auth warning"),
      debug: () => {},
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => config());

export type SessionUser = { id: string; email: string; name: string | null };

/** The signed-in user, or null. */
export async function currentUser(): Promise<SessionUser | null> {
  const session = await auth();
  const user = session?.user;
  if (!user?.id || !user.email) return null;
  return { id: user.id, email: user.email, name: user.name ?? null };
}
