import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { api } from "@/server/api/server-caller";
import { TaskDetailView } from "./_components/task-detail-view";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; taskId: string }> };

/** One lookup per request for the title and the 404; the page then follows the task live from the browser. */
const findTask = cache(async (slug: string, taskId: string) => {
  const caller = await api();
  return caller.task.get({ workspaceSlug: slug, taskId }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
});

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { slug, taskId } = await params;
  const task = await findTask(slug, taskId);
  return { title: `#${task.number} ${task.title}` };
}

export default async function TaskPage({ params }: Params) {
  const { slug, taskId } = await params;
  await findTask(slug, taskId);
  return <TaskDetailView key={taskId} taskId={taskId} />;
}
