import { cx } from "./cx";

export type SpinnerProps = {
  /** Pixel size. Default 16. */
  size?: number;
  /** Announced to screen readers. Omit when the surrounding element already says it is busy. */
  label?: string;
  className?: string;
};

export function Spinner({ size = 16, label, className }: SpinnerProps) {
  const svg = (
    <svg viewBox="0 0 24 24" width={size} height={size} fill="none" aria-hidden="true" className={cx("shrink-0 animate-spin", className)}>
      <circle cx="12" cy="12" r="9" stroke="currentColor" strokeOpacity="0.25" strokeWidth="3" />
      <path d="M21 12a9 9 0 0 0-9-9" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
  if (!label) return svg;
  return (
    <span role="status" className="inline-flex items-center">
      {svg}
      <span className="sr-only">{label}</span>
    </span>
  );
}
