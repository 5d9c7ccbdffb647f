import type { ReactNode } from "react";
import { Badge, Card, PageHeader } from "@/app/_components/ui";

/** A section that exists in the navigation but is not built yet says so plainly. */
export function NotBuiltYet({
  title,
  description,
  icon,
  coming,
}: {
  title: string;
  description: string;
  icon: ReactNode;
  coming: string[];
}) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <Card className="mt-8 p-8">
        <div className="flex items-start gap-4">
          <div className="flex size-11 shrink-0 items-center justify-center rounded-xl bg-zinc-100 text-zinc-500 [&_svg]:size-5">
            {icon}
          </div>
          <div>
            <div className="flex items-center gap-2">
              <h2 className="font-semibold">Not built yet</h2>
              <Badge tone="warning">Coming soon</Badge>
            </div>
            <p className="mt-1 text-sm text-ink-muted">
              This part of Jace is still being built. Nothing here is simulated; when it ships it will:
            </p>
            <ul className="mt-3 list-disc space-y-1 pl-5 text-sm text-ink-muted">
              {coming.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          </div>
        </div>
      </Card>
    </>
  );
}
