import type { ComponentProps } from "react";
import { cx } from "./cx";

export type TableProps = ComponentProps<"table"> & {
  /** Classes for the scrolling, bordered wrapper. */
  containerClassName?: string;
  /** Draws the rounded border; turn off when the table sits flush inside a Card. Default true. */
  bordered?: boolean;
};

/** A plain data table that scrolls sideways on narrow screens instead of squashing columns. */
export function Table({ className, containerClassName, bordered = true, ...props }: TableProps) {
  return (
    <div className={cx("w-full overflow-x-auto", bordered && "rounded-card border border-line bg-surface shadow-card", containerClassName)}>
      <table {...props} className={cx("w-full border-collapse text-left text-sm", className)} />
    </div>
  );
}

export function TableCaption({ className, ...props }: ComponentProps<"caption">) {
  return <caption {...props} className={cx("sr-only", className)} />;
}

export function TableHead({ className, ...props }: ComponentProps<"thead">) {
  return <thead {...props} className={cx("border-b border-line bg-subtle/70", className)} />;
}

export function TableBody({ className, ...props }: ComponentProps<"tbody">) {
  return <tbody {...props} className={cx("divide-y divide-line", className)} />;
}

export type TableRowProps = ComponentProps<"tr"> & {
  /** Highlights on hover; use when the row holds a link to a detail page. */
  interactive?: boolean;
};

export function TableRow({ className, interactive, ...props }: TableRowProps) {
  return <tr {...props} className={cx(interactive && "transition-colors hover:bg-subtle/70", className)} />;
}

export function TableHeaderCell({ className, scope = "col", ...props }: ComponentProps<"th">) {
  return (
    <th
      {...props}
      scope={scope}
      className={cx("relative h-10 px-4 text-xs font-medium whitespace-nowrap text-ink-subtle first:pl-5 last:pr-5", className)}
    />
  );
}

export function TableCell({ className, ...props }: ComponentProps<"td">) {
  return <td {...props} className={cx("px-4 py-3 align-middle text-ink first:pl-5 last:pr-5", className)} />;
}
