import type { Metadata } from "next";
import { Suspense } from "react";
import { TasksSkeleton, TasksView } from "./_components/tasks-view";

export const metadata: Metadata = { title: "Tasks" };

export default function TasksPage() {
  // The filters live in the query string, which the view reads on the client.
  return (
    <Suspense fallback={<TasksSkeleton />}>
      <TasksView />
    </Suspense>
  );
}
