import type { ComponentProps, ReactNode } from "react";
import { Field, controlClasses } from "./field";
import { cx } from "./cx";

export type InputProps = Omit<ComponentProps<"input">, "children"> & {
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
  optional?: boolean;
  hideLabel?: boolean;
  /** Classes for the wrapper (label + input + messages); `className` styles the input. */
  containerClassName?: string;
};

export function Input({ label, hint, error, optional, hideLabel, id, className, containerClassName, type = "text", ...props }: InputProps) {
  return (
    <Field label={label} hint={hint} error={error} optional={optional} hideLabel={hideLabel} id={id} className={containerClassName}>
      {(control) => <input {...props} {...control} type={type} className={controlClasses(cx("h-9", className))} />}
    </Field>
  );
}
