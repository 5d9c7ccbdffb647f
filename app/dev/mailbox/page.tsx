import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge, Card, EmptyState, IconMail, PageHeader } from "@/app/_components/ui";
import { getDb } from "@/server/db";
import { getEnv } from "@/server/env";

export const metadata: Metadata = { title: "Dev mailbox" };
export const dynamic = "force-dynamic";

/** Mail kept instead of sent when no SMTP_URL is configured. Exists only in that mode. */
export default async function DevMailboxPage({ searchParams }: { searchParams: Promise<{ to?: string }> }) {
  if (!getEnv().devMailbox) notFound();
  const { to } = await searchParams;
  const mails = await getDb().devMail.findMany({
    where: to ? { to: to.toLowerCase() } : {},
    orderBy: { createdAt: "desc" },
    take: 100,
  });
  return (
    <main className="mx-auto max-w-3xl px-4 py-10">
      <PageHeader
        eyebrow={<Badge tone="warning">Development only</Badge>}
        title="Dev mailbox"
        description="No SMTP server is configured, so Jace keeps outgoing mail here. Sign-in links are also printed in the server log."
      />
      {to ? (
        <p className="mt-4 text-sm text-ink-muted">
          Showing mail to <strong>{to}</strong>.{" "}
          <Link className="underline" href="/dev/mailbox">
            Show all
          </Link>
        </p>
      ) : null}
      <Card className="mt-6 divide-y divide-zinc-100">
        {mails.length === 0 ? (
          <EmptyState icon={<IconMail />} title="No mail yet" description="Sign in or invite someone and the mail shows up here." />
        ) : (
          mails.map((m) => (
            <Link
              key={m.id}
              href={`/dev/mailbox/${m.id}`}
              className="flex items-center justify-between gap-4 px-5 py-4 hover:bg-zinc-50 focus-visible:bg-zinc-50"
            >
              <div className="min-w-0">
                <p className="truncate font-medium">{m.subject}</p>
                <p className="truncate text-sm text-ink-muted">To {m.to}</p>
              </div>
              <time className="shrink-0 text-xs text-ink-muted" dateTime={m.createdAt.toISOString()}>
                {m.createdAt.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" })}
              </time>
            </Link>
          ))
        )}
      </Card>
    </main>
  );
}
