import type { ReactNode } from "react";

export function SectionHeading({ eyebrow, title, children, id }: { eyebrow: string; title: ReactNode; children?: ReactNode; id?: string }) {
  return (
    <div className="max-w-2xl">
      <p className="text-sm font-semibold text-accent-600">{eyebrow}</p>
      <h2 id={id} className="mt-2 text-3xl font-semibold tracking-tight text-balance text-ink sm:text-4xl">
        {title}
      </h2>
      {children ? <p className="mt-4 text-[17px] leading-8 text-ink-muted">{children}</p> : null}
    </div>
  );
}
