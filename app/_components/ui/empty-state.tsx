import type { ReactNode } from "react";
import { cx } from "./cx";

export type EmptyStateProps = {
  /** An icon element, e.g. <IconRunners size={20} />. */
  icon?: ReactNode;
  title: ReactNode;
  description?: ReactNode;
  /** Usually one primary Button; a second, quieter one is fine. */
  action?: ReactNode;
  /** Draws a dashed frame; turn off inside a Card. Default true. */
  bordered?: boolean;
  className?: string;
};

export function EmptyState({ icon, title, description, action, bordered = true, className }: EmptyStateProps) {
  return (
    <div
      className={cx(
        "flex flex-col items-center px-6 py-12 text-center",
        bordered && "rounded-card border border-dashed border-line-strong bg-surface",
        className,
      )}
    >
      {icon ? (
        <div className="mb-4 flex size-11 items-center justify-center rounded-xl bg-accent-50 text-accent-600 ring-1 ring-accent-100">
          {icon}
        </div>
      ) : null}
      <h3 className="text-[15px] font-semibold text-ink">{title}</h3>
      {description ? <p className="mt-1.5 max-w-md text-sm leading-6 text-ink-muted">{description}</p> : null}
      {action ? <div className="mt-5 flex flex-wrap justify-center gap-2">{action}</div> : null}
    </div>
  );
}
