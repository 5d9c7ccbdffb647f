import type { ReactNode } from "react";
import { cx } from "./cx";
import { IconAlertTriangle, IconCheckCircle, IconInfo, IconXCircle, type Icon } from "./icons";

export type AlertTone = "info" | "success" | "warning" | "danger";

const tones: Record<AlertTone, { box: string; icon: string; Icon: Icon }> = {
  info: { box: "border-sky-200 bg-sky-50 text-sky-900", icon: "text-sky-600", Icon: IconInfo },
  success: {
    box: "border-emerald-200 bg-emerald-50 text-emerald-900",
    icon: "text-emerald-600",
    Icon: IconCheckCircle,
  },
  warning: {
    box: "border-amber-200 bg-amber-50 text-amber-900",
    icon: "text-amber-600",
    Icon: IconAlertTriangle,
  },
  danger: { box: "border-red-200 bg-red-50 text-red-900", icon: "text-red-600", Icon: IconXCircle },
};

export type AlertProps = {
  tone?: AlertTone;
  title?: ReactNode;
  children?: ReactNode;
  /** A Button or link placed at the end, e.g. "Retry" or "Upgrade plan". */
  action?: ReactNode;
  className?: string;
};

/** An inline banner. Danger alerts interrupt screen readers (role="alert"); the rest are polite. */
export function Alert({ tone = "info", title, children, action, className }: AlertProps) {
  const t = tones[tone];
  return (
    <div
      role={tone === "danger" ? "alert" : "status"}
      className={cx("flex flex-col gap-3 rounded-lg border px-4 py-3 text-sm sm:flex-row sm:items-start", t.box, className)}
    >
      <div className="flex min-w-0 flex-1 gap-3">
        <t.Icon size={18} className={cx("mt-px shrink-0", t.icon)} />
        <div className="min-w-0 flex-1 leading-5">
          {title ? <p className="font-semibold">{title}</p> : null}
          {children ? <div className={cx(title ? "mt-1" : undefined, "opacity-90")}>{children}</div> : null}
        </div>
      </div>
      {action ? <div className="flex shrink-0 items-center gap-2 pl-7 sm:pl-0">{action}</div> : null}
    </div>
  );
}
