import type { ReactNode } from "react";

/** The heading of one part of the billing page (plans, model costs), with optional controls on the right. */
export function SectionHeading({
  id,
  title,
  description,
  actions,
}: {
  id: string;
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-x-4 gap-y-3">
      <div className="min-w-0 flex-[1_1_18rem]">
        <h2 id={id} className="text-lg leading-7 font-semibold tracking-tight text-ink">
          {title}
        </h2>
        {description ? <p className="mt-0.5 max-w-2xl text-sm leading-6 text-ink-muted">{description}</p> : null}
      </div>
      {actions ? <div className="flex shrink-0 flex-wrap items-center gap-2">{actions}</div> : null}
    </div>
  );
}
