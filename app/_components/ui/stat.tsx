import type { ReactNode } from "react";
import { cx } from "./cx";

export type StatProps = {
  label: ReactNode;
  value: ReactNode;
  /** A short line under the value: a comparison, a limit, a period. */
  hint?: ReactNode;
  className?: string;
};

/** A labelled figure for usage and dashboard summaries. */
export function Stat({ label, value, hint, className }: StatProps) {
  return (
    <div className={cx("flex flex-col gap-1", className)}>
      <dt className="text-[13px] font-medium text-ink-subtle">{label}</dt>
      <dd className="text-2xl font-semibold tracking-tight text-ink tabular-nums">{value}</dd>
      {hint ? <dd className="text-[13px] text-ink-subtle">{hint}</dd> : null}
    </div>
  );
}
