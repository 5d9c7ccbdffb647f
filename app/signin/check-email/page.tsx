import type { Metadata } from "next";
import { cookies } from "next/headers";
import Link from "next/link";
import { Button, Card, IconMail, Logo } from "@/app/_components/ui";
import { getEnv } from "@/server/env";
import { SIGN_IN_EMAIL_COOKIE } from "../email-cookie";

export const metadata: Metadata = { title: "Check your email" };
export const dynamic = "force-dynamic";

export default async function CheckEmailPage() {
  const { devMailbox } = getEnv();
  const email = (await cookies()).get(SIGN_IN_EMAIL_COOKIE)?.value;
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center px-4 py-12">
      <Link href="/" className="mb-8" aria-label="Jace home">
        <Logo />
      </Link>
      <Card className="w-full max-w-sm p-8 text-center">
        <div className="mx-auto flex size-12 items-center justify-center rounded-full bg-accent-50 text-accent-600">
          <IconMail className="size-6" />
        </div>
        <h1 className="mt-4 text-xl font-semibold tracking-tight">Check your email</h1>
        <p className="mt-2 text-sm text-ink-muted">
          {email ? (
            <>
              We sent a sign-in link to <strong className="font-semibold break-all text-ink">{email}</strong>.
            </>
          ) : (
            "We sent you a sign-in link."
          )}{" "}
          It works once and expires in 24 hours.
        </p>
        {devMailbox ? (
          <Button href={email ? `/dev/mailbox?to=${encodeURIComponent(email)}` : "/dev/mailbox"} className="mt-6 w-full">
            Open the dev mailbox
          </Button>
        ) : null}
        <Link href="/signin" className="mt-4 inline-block text-sm text-ink-muted underline">
          Use a different email
        </Link>
      </Card>
    </main>
  );
}
