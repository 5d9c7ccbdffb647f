import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { Alert, Button, Card, IconArrowRight, Logo } from "@/app/_components/ui";
import { requireUser } from "@/app/_lib/session";
import { api } from "@/server/api/server-caller";
import { AcceptButton } from "./accept-button";
import { signOutAndReturn } from "./actions";

export const metadata: Metadata = { title: "Invitation" };

const roleLabels = { owner: "an owner", admin: "an admin", member: "a member", viewer: "a viewer" } as const;

const closed = {
  expired: {
    title: "This invitation has expired",
    body: "Invitations are valid for 7 days. Ask an admin of the workspace to invite you again.",
  },
  accepted: {
    title: "This invitation was already used",
    body: "Each invitation link works once. If you need access, ask an admin for a new invitation.",
  },
  revoked: { title: "This invitation was withdrawn", body: "An admin revoked it. Ask them for a new invitation if you still need access." },
} as const;

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const returnTo = `/invite/${encodeURIComponent(token)}`;
  const user = await requireUser(returnTo);
  const preview = await (await api()).invitation.preview({ token }).catch((error: unknown) => {
    // Unknown tokens are NOT_FOUND; malformed ones fail input validation (BAD_REQUEST).
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) return null;
    throw error;
  });

  const signedInAs = (
    <div className="mt-6 border-t border-line pt-4 text-[13px] text-ink-muted">
      Signed in as <span className="font-medium text-ink">{user.email}</span>.{" "}
      <form action={signOutAndReturn} className="inline">
        <input type="hidden" name="callbackUrl" value={returnTo} />
        <button type="submit" className="font-medium text-accent-700 underline-offset-2 hover:underline">
          Use another account
        </button>
      </form>
    </div>
  );

  if (!preview) {
    return (
      <Shell>
        <Heading eyebrow="Invitation" title="This invitation link is not valid" />
        <p className="mt-2 text-sm leading-6 text-ink-muted">
          The link may be incomplete or mistyped, or the invitation was replaced by a newer one. Ask the person who invited you to send a
          new invitation.
        </p>
        <Button href="/w" variant="secondary" className="mt-6 w-full">
          Go to your workspaces
        </Button>
        {signedInAs}
      </Shell>
    );
  }

  const facts = (
    <dl className="mt-5 grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 rounded-lg bg-subtle px-4 py-3 text-sm">
      <dt className="text-ink-subtle">Workspace</dt>
      <dd className="font-medium text-ink">{preview.workspaceName}</dd>
      <dt className="text-ink-subtle">Invited by</dt>
      <dd className="text-ink">{preview.inviterName}</dd>
      <dt className="text-ink-subtle">Role</dt>
      <dd className="text-ink capitalize">{preview.role}</dd>
      <dt className="text-ink-subtle">For</dt>
      <dd className="break-all text-ink">{preview.email}</dd>
    </dl>
  );

  if (preview.alreadyMember) {
    return (
      <Shell>
        <Heading eyebrow="Invitation" title={`You're already in ${preview.workspaceName}`} />
        <p className="mt-2 text-sm leading-6 text-ink-muted">Your account is a member of this workspace, so there is nothing to accept.</p>
        <Button href={`/w/${preview.workspaceSlug}`} size="lg" className="mt-6 w-full" trailingIcon={<IconArrowRight />}>
          Open {preview.workspaceName}
        </Button>
        {signedInAs}
      </Shell>
    );
  }

  if (preview.status !== "valid") {
    const c = closed[preview.status];
    return (
      <Shell>
        <Heading eyebrow="Invitation" title={c.title} />
        {facts}
        <Alert tone="warning" className="mt-5">
          {c.body}
        </Alert>
        <Button href="/w" variant="secondary" className="mt-6 w-full">
          Go to your workspaces
        </Button>
        {signedInAs}
      </Shell>
    );
  }

  if (!preview.emailMatches) {
    return (
      <Shell>
        <Heading eyebrow="Invitation" title={`Join ${preview.workspaceName} on Jace`} />
        {facts}
        <Alert tone="warning" title="This invitation is for a different email address" className="mt-5">
          It was sent to <strong className="font-semibold">{preview.email}</strong>, but you are signed in as{" "}
          <strong className="font-semibold">{user.email}</strong>. Sign in as {preview.email} to accept it, or ask {preview.inviterName} to
          invite {user.email} instead.
        </Alert>
        <form action={signOutAndReturn} className="mt-6">
          <input type="hidden" name="callbackUrl" value={returnTo} />
          <Button type="submit" size="lg" className="w-full">
            Sign out and sign in as {preview.email}
          </Button>
        </form>
        <Button href="/w" variant="ghost" className="mt-2 w-full">
          Go to your workspaces
        </Button>
      </Shell>
    );
  }

  return (
    <Shell>
      <Heading eyebrow="Invitation" title={`Join ${preview.workspaceName} on Jace`} />
      <p className="mt-2 text-sm leading-6 text-ink-muted">
        {preview.inviterName} invited you to join as {roleLabels[preview.role]}.
      </p>
      {facts}
      <div className="mt-6">
        <AcceptButton token={token} workspaceName={preview.workspaceName} />
      </div>
      {signedInAs}
    </Shell>
  );
}

function Shell({ children }: { children: ReactNode }) {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center px-4 py-12">
      <Link href="/" className="mb-8" aria-label="Jace home">
        <Logo />
      </Link>
      <Card className="w-full max-w-md p-6 sm:p-8">{children}</Card>
    </main>
  );
}

function Heading({ eyebrow, title }: { eyebrow: string; title: string }) {
  return (
    <>
      <p className="text-xs font-medium tracking-wide text-accent-700 uppercase">{eyebrow}</p>
      <h1 className="mt-1 text-xl font-semibold tracking-tight">{title}</h1>
    </>
  );
}
