import type { ComponentProps, ReactNode } from "react";
import { Field, controlClasses } from "./field";
import { cx } from "./cx";

export type SelectOption = { value: string; label: string; disabled?: boolean };

export type SelectProps = Omit<ComponentProps<"select">, "children"> & {
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
  optional?: boolean;
  hideLabel?: boolean;
  containerClassName?: string;
  /** Options as data; `children` (<option>/<optgroup>) work too and come after these. */
  options?: SelectOption[];
  /** A first, empty, unselectable option such as "Choose a runner". */
  placeholder?: string;
  children?: ReactNode;
};

export function Select({
  label,
  hint,
  error,
  optional,
  hideLabel,
  id,
  className,
  containerClassName,
  options,
  placeholder,
  children,
  ...props
}: SelectProps) {
  return (
    <Field label={label} hint={hint} error={error} optional={optional} hideLabel={hideLabel} id={id} className={containerClassName}>
      {(control) => (
        <div className="relative">
          <select {...props} {...control} className={controlClasses(cx("h-9 appearance-none pr-9", className))}>
            {placeholder ? (
              <option value="" disabled>
                {placeholder}
              </option>
            ) : null}
            {options?.map((option) => (
              <option key={option.value} value={option.value} disabled={option.disabled}>
                {option.label}
              </option>
            ))}
            {children}
          </select>
          <svg
            viewBox="0 0 24 24"
            width="16"
            height="16"
            aria-hidden="true"
            className="pointer-events-none absolute top-1/2 right-3 -translate-y-1/2 text-ink-subtle"
            fill="none"
            stroke="currentColor"
            strokeWidth="2"
            strokeLinecap="round"
            strokeLinejoin="round"
          >
            <path d="m7 10 5 5 5-5" />
          </svg>
        </div>
      )}
    </Field>
  );
}
