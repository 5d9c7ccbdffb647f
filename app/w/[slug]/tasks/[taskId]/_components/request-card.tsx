import { Card, CardBody, CardHeader } from "@/app/_components/ui";
import type { TaskDetail } from "../../_components/task-badges";

/** What was asked, as it was submitted. */
export function RequestCard({ input }: { input: TaskDetail["input"] }) {
  return (
    <Card>
      <CardHeader title="Request" />
      <CardBody>
        {input.kind === "test" ? (
          <dl className="grid gap-3 text-sm sm:grid-cols-[6rem_1fr]">
            <dt className="text-ink-subtle">Repository</dt>
            <dd className="font-mono text-[13px] break-all text-ink">{input.repository}</dd>
            <dt className="text-ink-subtle">Branch</dt>
            <dd className="font-mono text-[13px] text-ink">{input.branch || "default branch"}</dd>
          </dl>
        ) : (
          <p className="text-sm leading-6 break-words whitespace-pre-wrap text-ink">
            {input.kind === "ask" ? input.question : input.instructions}
          </p>
        )}
      </CardBody>
    </Card>
  );
}
