import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { buttonClasses, Card, PageHeader } from "@/app/_components/ui";
import { getDb } from "@/server/db";
import { getEnv } from "@/server/env";

export const metadata: Metadata = { title: "Dev mailbox" };
export const dynamic = "force-dynamic";

export default async function DevMailPage({ params }: { params: Promise<{ id: string }> }) {
  if (!getEnv().devMailbox) notFound();
  const { id } = await params;
  const mail = await getDb().devMail.findUnique({ where: { id } });
  if (!mail) notFound();
  const links = [...new Set(mail.text.match(/https?:\/\/[^\s<>"')\]]+/g) ?? [])];
  // Links inside the preview open in the top window, as they would from a mail client.
  const html = mail.html.replace(/<head>/i, '<head><base target="_top">');
  return (
    <main className="mx-auto max-w-3xl px-4 py-10">
      <Link href="/dev/mailbox" className="text-sm text-ink-muted underline">
        Back to the mailbox
      </Link>
      <PageHeader className="mt-4" title={mail.subject} description={`To ${mail.to} · ${mail.createdAt.toUTCString()}`} />
      {links.length > 0 ? (
        <div className="mt-4 flex flex-wrap gap-2" aria-label="Links in this mail">
          {links.map((href) => (
            // A plain anchor on purpose: next/link would prefetch the URL and so spend a one-time sign-in token.
            <a key={href} href={href} className={buttonClasses({ size: "sm" })} data-testid="mail-link">
              Open link: {new URL(href).pathname}
            </a>
          ))}
        </div>
      ) : null}
      <Card className="mt-6 overflow-hidden">
        <iframe
          title="Mail preview"
          srcDoc={html}
          sandbox="allow-top-navigation-by-user-activation allow-popups"
          className="h-[560px] w-full"
        />
      </Card>
    </main>
  );
}
