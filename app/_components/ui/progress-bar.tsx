import { cx } from "./cx";

export type ProgressBarTone = "accent" | "success" | "warning" | "danger";

const fills: Record<ProgressBarTone, string> = {
  accent: "bg-accent-600",
  success: "bg-emerald-500",
  warning: "bg-amber-500",
  danger: "bg-red-500",
};

export type ProgressBarProps = {
  value: number;
  max: number;
  /** Accessible name, e.g. "Tasks this month". */
  label: string;
  /** Read out instead of the bare number, e.g. "12 of 100 tasks". */
  valueText?: string;
  tone?: ProgressBarTone;
  /** "meter" for a measurement against a limit (usage, quota); "progressbar" for work that completes. Default "progressbar". */
  role?: "progressbar" | "meter";
  className?: string;
};

/** A thin horizontal bar filled to value/max (clamped to 0–100%). */
export function ProgressBar({ value, max, label, valueText, tone = "accent", role = "progressbar", className }: ProgressBarProps) {
  const pct = max > 0 ? Math.min(100, Math.max(0, (value / max) * 100)) : 0;
  return (
    <div
      role={role}
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={Math.min(value, max)}
      aria-valuetext={valueText}
      className={cx("h-2 w-full overflow-hidden rounded-full bg-zinc-100", className)}
    >
      <div className={cx("h-full rounded-full transition-[width] duration-300", fills[tone])} style={{ width: `${pct}%` }} />
    </div>
  );
}
