import { useId, type ReactNode } from "react";
import { cx } from "./cx";

/** Attributes a control needs to be tied to its label, hint and error. */
export type FieldControlProps = {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
};

export type FieldProps = {
  label: ReactNode;
  /** Help text under the control. Stays visible alongside an error. */
  hint?: ReactNode;
  /** Error message; marks the control invalid and is read out with it. */
  error?: ReactNode;
  /** Control id; generated when omitted. */
  id?: string;
  /** Appends a quiet "Optional" to the label (we mark optional fields, not required ones). */
  optional?: boolean;
  /** Keeps the label for screen readers only. */
  hideLabel?: boolean;
  className?: string;
  children: (control: FieldControlProps) => ReactNode;
};

/** Label + control + hint + error, wired with aria-describedby/aria-invalid. */
export function Field({ label, hint, error, id: idProp, optional, hideLabel, className, children }: FieldProps) {
  const generated = useId();
  const id = idProp ?? generated;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;

  return (
    <div className={cx("flex flex-col gap-1.5", className)}>
      <label htmlFor={id} className={cx("text-sm font-medium text-ink", hideLabel && "sr-only")}>
        {label}
        {optional ? <span className="ml-1.5 font-normal text-ink-subtle">Optional</span> : null}
      </label>
      {children({ id, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined })}
      {hint ? (
        <p id={hintId} className="text-[13px] leading-5 text-ink-subtle">
          {hint}
        </p>
      ) : null}
      {error ? <FieldError id={errorId}>{error}</FieldError> : null}
    </div>
  );
}

export function FieldError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} className="flex items-start gap-1.5 text-[13px] leading-5 font-medium text-red-700">
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" className="mt-[3px] shrink-0">
        <circle cx="8" cy="8" r="7" fill="currentColor" />
        <path d="M8 4.5v4M8 11h.01" stroke="white" strokeWidth="1.75" strokeLinecap="round" />
      </svg>
      <span>{children}</span>
    </p>
  );
}

/** Shared look of text-like controls: input, textarea, select. */
export function controlClasses(className?: string): string {
  return cx(
    "block w-full rounded-lg border border-line-strong bg-surface px-3 text-base text-ink shadow-xs sm:text-sm",
    "placeholder:text-zinc-400 transition-colors",
    "hover:border-zinc-400 focus-visible:border-accent-500 focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-accent-500/30",
    "disabled:cursor-not-allowed disabled:bg-subtle disabled:text-ink-subtle",
    "aria-invalid:border-red-500 aria-invalid:hover:border-red-600 aria-invalid:focus-visible:border-red-500 aria-invalid:focus-visible:outline-red-500/25",
    className,
  );
}
