import type { ComponentProps } from "react";
import { cx } from "./cx";

export type BadgeTone = "neutral" | "success" | "warning" | "danger" | "info" | "accent";

const tones: Record<BadgeTone, { badge: string; dot: string }> = {
  neutral: { badge: "bg-zinc-100 text-zinc-700 ring-zinc-200", dot: "bg-zinc-400" },
  success: { badge: "bg-emerald-50 text-emerald-800 ring-emerald-200", dot: "bg-emerald-500" },
  warning: { badge: "bg-amber-50 text-amber-800 ring-amber-200", dot: "bg-amber-500" },
  danger: { badge: "bg-red-50 text-red-700 ring-red-200", dot: "bg-red-500" },
  info: { badge: "bg-sky-50 text-sky-800 ring-sky-200", dot: "bg-sky-500" },
  accent: { badge: "bg-accent-50 text-accent-700 ring-accent-200", dot: "bg-accent-500" },
};

export type BadgeProps = ComponentProps<"span"> & {
  tone?: BadgeTone;
  /** A leading status dot, e.g. for runner online/offline. */
  dot?: boolean;
  /** Animates the dot; use for live states such as "running". */
  pulse?: boolean;
};

export function Badge({ tone = "neutral", dot, pulse, className, children, ...props }: BadgeProps) {
  const t = tones[tone];
  return (
    <span
      {...props}
      className={cx(
        "inline-flex h-5.5 items-center gap-1.5 rounded-full px-2 text-xs font-medium whitespace-nowrap ring-1 ring-inset",
        t.badge,
        className,
      )}
    >
      {dot ? (
        <span className="relative flex size-1.5" aria-hidden="true">
          {pulse ? <span className={cx("absolute inset-0 animate-ping rounded-full opacity-60", t.dot)} /> : null}
          <span className={cx("relative size-1.5 rounded-full", t.dot)} />
        </span>
      ) : null}
      {children}
    </span>
  );
}
