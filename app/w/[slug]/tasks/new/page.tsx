import type { Metadata } from "next";
import Link from "next/link";
import { IconChevronLeft, PageHeader } from "@/app/_components/ui";
import { taskKinds, type TaskKind } from "@/server/features/tasks/schemas";
import { NewTaskForm } from "../_components/new-task-form";

export const metadata: Metadata = { title: "New task" };

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<{ kind?: string; project?: string }> };

/** `?kind=test&project=<id>` preselects, so other pages can link straight to a kind of task. */
export default async function NewTaskPage({ params, searchParams }: Props) {
  const { slug } = await params;
  const { kind, project } = await searchParams;
  const initialKind: TaskKind = taskKinds.includes(kind as TaskKind) ? (kind as TaskKind) : "ask";
  return (
    <>
      <PageHeader
        eyebrow={
          <Link href={`/w/${slug}/tasks`} className="inline-flex items-center gap-1 hover:text-ink">
            <IconChevronLeft size={14} /> Tasks
          </Link>
        }
        title="New task"
        description="Jace analyzes the request, plans it, and runs it on one of your runners. You can follow every step live."
      />
      <div className="mt-8 max-w-3xl">
        <NewTaskForm initialKind={initialKind} initialProjectId={typeof project === "string" ? project.slice(0, 64) : undefined} />
      </div>
    </>
  );
}
