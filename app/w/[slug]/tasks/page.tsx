import type { Metadata } from "next";
import { IconTasks } from "@/app/_components/ui";
import { NotBuiltYet } from "../_components/not-built-yet";

export const metadata: Metadata = { title: "Tasks" };

export default function TasksPage() {
  return (
    <NotBuiltYet
      title="Tasks"
      description="Every request from Slack, GitHub, email, Telegram, Trello or the API becomes a task pipeline."
      icon={<IconTasks />}
      coming={[
        "list tasks with live status, filters by project, source and kind",
        "show each task's steps, logs, plan and cost, with Approve / Reject, cancel and replay",
        "let you start a task from the web",
      ]}
    />
  );
}
