import type { ComponentProps, ReactNode } from "react";
import { cx } from "./cx";

export type CardProps = ComponentProps<"div">;

/** A bordered white panel. Compose with CardHeader, CardBody and CardFooter, or put content in directly. */
export function Card({ className, ...props }: CardProps) {
  return <div {...props} className={cx("rounded-card border border-line bg-surface shadow-card", className)} />;
}

export type CardHeaderProps = Omit<ComponentProps<"div">, "title"> & {
  title: ReactNode;
  description?: ReactNode;
  /** Buttons or links aligned to the right of the title. */
  actions?: ReactNode;
  /** Heading level of the title; default h2. */
  as?: "h2" | "h3" | "h4";
};

export function CardHeader({ title, description, actions, as: Heading = "h2", className, ...props }: CardHeaderProps) {
  return (
    <div {...props} className={cx("flex flex-wrap items-start justify-between gap-x-4 gap-y-3 border-b border-line px-5 py-4", className)}>
      <div className="min-w-0 flex-1">
        <Heading className="text-[15px] leading-6 font-semibold text-ink">{title}</Heading>
        {description ? <p className="mt-0.5 text-sm leading-5 text-ink-muted">{description}</p> : null}
      </div>
      {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
    </div>
  );
}

export function CardBody({ className, ...props }: ComponentProps<"div">) {
  return <div {...props} className={cx("px-5 py-4", className)} />;
}

export function CardFooter({ className, ...props }: ComponentProps<"div">) {
  return (
    <div
      {...props}
      className={cx("flex flex-wrap items-center justify-end gap-2 rounded-b-card border-t border-line bg-subtle/60 px-5 py-3", className)}
    />
  );
}
