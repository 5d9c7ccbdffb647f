import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { api } from "@/server/api/server-caller";
import { RunnerDetailView } from "./_components/runner-detail-view";

type Params = { params: Promise<{ slug: string; runnerId: string }> };

/** One lookup per request for the title and the 404; the page itself then polls from the browser. */
const findRunner = cache(async (slug: string, runnerId: string) => {
  const caller = await api();
  return caller.runner.get({ workspaceSlug: slug, runnerId }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
});

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { slug, runnerId } = await params;
  const runner = await findRunner(slug, runnerId);
  return { title: runner.name };
}

export default async function RunnerPage({ params }: Params) {
  const { slug, runnerId } = await params;
  await findRunner(slug, runnerId);
  return <RunnerDetailView runnerId={runnerId} />;
}
