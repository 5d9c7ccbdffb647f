import { useId } from "react";
import { cx } from "./cx";

export type LogoProps = {
  /** Height of the mark in pixels. Default 28. */
  size?: number;
  /** Shows "Jace" next to the mark. Default true. */
  wordmark?: boolean;
  className?: string;
};

/** The Jace mark (a J whose top is a pipeline node) with an optional wordmark. Same drawing as public/logo.svg. */
export function Logo({ size = 28, wordmark = true, className }: LogoProps) {
  const gradient = useId();
  return (
    <span className={cx("inline-flex items-center gap-2", className)}>
      <svg
        viewBox="0 0 32 32"
        width={size}
        height={size}
        aria-hidden={wordmark ? true : undefined}
        role={wordmark ? undefined : "img"}
        aria-label={wordmark ? undefined : "Jace"}
        className="shrink-0"
      >
        <defs>
          <linearGradient id={gradient} x1="0" y1="0" x2="32" y2="32" gradientUnits="userSpaceOnUse">
            <stop offset="0" stopColor="#6366f1" />
            <stop offset="1" stopColor="#7c3aed" />
          </linearGradient>
        </defs>
        <rect width="32" height="32" rx="8" fill={`url(#${gradient})`} />
        <path d="M19.5 9.5v9a5 5 0 0 1-10 0" fill="none" stroke="#fff" strokeWidth="3.2" strokeLinecap="round" />
        <circle cx="12" cy="10" r="2.4" fill="#fff" fillOpacity="0.7" />
      </svg>
      {wordmark ? (
        <span className="font-semibold tracking-tight text-ink" style={{ fontSize: Math.round(size * 0.68) }}>
          Jace
        </span>
      ) : null}
    </span>
  );
}
