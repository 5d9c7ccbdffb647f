import { cx } from "./cx";

export type SkeletonProps = {
  /** Round placeholder for avatars and icons. */
  circle?: boolean;
  className?: string;
};

/** A pulsing placeholder block; size it with className (e.g. "h-4 w-40"). */
export function Skeleton({ circle, className }: SkeletonProps) {
  return <div aria-hidden="true" className={cx("animate-pulse bg-zinc-200/70", circle ? "rounded-full" : "rounded-md", className)} />;
}

export type SkeletonTextProps = { lines?: number; className?: string };

/** Lines of placeholder text; the last one is shorter, as prose is. */
export function SkeletonText({ lines = 3, className }: SkeletonTextProps) {
  return (
    <div aria-hidden="true" className={cx("flex flex-col gap-2.5", className)}>
      {Array.from({ length: lines }, (_, i) => (
        <Skeleton key={i} className={cx("h-3.5", i === lines - 1 && lines > 1 ? "w-3/5" : "w-full")} />
      ))}
    </div>
  );
}
