import type { Metadata } from "next";
import { IconRunners } from "@/app/_components/ui";
import { NotBuiltYet } from "../_components/not-built-yet";

export const metadata: Metadata = { title: "Runners" };

export default function RunnersPage() {
  return (
    <NotBuiltYet
      title="Runners"
      description="GPU runners are your own machines (a PC with an RTX 2070, a rented box) that run this workspace's models and jobs."
      icon={<IconRunners />}
      coming={[
        "give you a one-time command to enroll a machine with `jace-runner`",
        "show each runner's status, GPUs and VRAM, models, labels and current job",
        "rename, relabel and revoke runners",
      ]}
    />
  );
}
