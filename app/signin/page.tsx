import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { Alert, Button, Card, Logo } from "@/app/_components/ui";
import { safeCallback } from "@/app/_lib/session";
import { currentUser } from "@/server/auth";
import { getDb } from "@/server/db";
import { invitationForSignIn } from "@/server/features/members/invitations";
import { getEnv } from "@/server/env";
import { signInWithGitHub } from "./actions";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

const errors: Record<string, string> = {
  Verification: "That sign-in link has expired or was already used. Request a new one below.",
  OAuthAccountNotLinked: "That email is already linked to another sign-in method. Use the method you used before.",
  AccessDenied: "Access was denied.",
  Configuration: "Sign-in is misconfigured on this server. Check the server log.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallback(params.callbackUrl);
  if (await currentUser()) redirect(callbackUrl);
  const env = getEnv();
  const error = typeof params.error === "string" ? (errors[params.error] ?? "Sign-in failed. Try again.") : null;
  // An invitation link opened while signed out lands here with the link as its callback.
  const inviteToken = /^\/invite\/([A-Za-z0-9_-]+)$/.exec(callbackUrl)?.[1];
  const invitation = inviteToken ? await invitationForSignIn(getDb(), inviteToken) : null;

  return (
    <main className="flex min-h-dvh flex-col items-center justify-center px-4 py-12">
      <Link href="/" className="mb-8" aria-label="Jace home">
        <Logo />
      </Link>
      <Card className="w-full max-w-sm p-6 sm:p-8">
        {invitation ? (
          <>
            <h1 className="text-xl font-semibold tracking-tight">Join {invitation.workspaceName} on Jace</h1>
            <p className="mt-1 text-sm text-ink-muted" data-testid="signin-invitation">
              {invitation.inviterName} invited you to <strong className="font-semibold text-ink">{invitation.workspaceName}</strong>. Sign
              in as <strong className="font-semibold break-all text-ink">{invitation.email}</strong> to accept; the same link creates your
              account if you are new.
            </p>
          </>
        ) : (
          <>
            <h1 className="text-xl font-semibold tracking-tight">Sign in to Jace</h1>
            <p className="mt-1 text-sm text-ink-muted">New here? The same link creates your account.</p>
          </>
        )}
        {error ? (
          <Alert tone="danger" className="mt-5">
            {error}
          </Alert>
        ) : null}
        <div className="mt-6">
          <SignInForm callbackUrl={callbackUrl} defaultEmail={invitation?.email} />
        </div>
        {env.githubAuth ? (
          <>
            <div className="my-5 flex items-center gap-3 text-xs text-ink-muted">
              <span className="h-px flex-1 bg-zinc-200" /> or <span className="h-px flex-1 bg-zinc-200" />
            </div>
            <form action={signInWithGitHub}>
              <input type="hidden" name="callbackUrl" value={callbackUrl} />
              <Button type="submit" variant="secondary" className="w-full">
                Continue with GitHub
              </Button>
            </form>
          </>
        ) : null}
        {env.devMailbox ? (
          <p className="mt-6 rounded-lg bg-zinc-50 px-3 py-2 text-xs text-ink-muted">
            Development mode: mail is not sent. Open the{" "}
            <Link className="font-medium text-accent-700 underline" href="/dev/mailbox">
              dev mailbox
            </Link>{" "}
            to click your link; it is also printed in the server log.
          </p>
        ) : null}
      </Card>
    </main>
  );
}
