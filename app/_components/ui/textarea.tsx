import type { ComponentProps, ReactNode } from "react";
import { Field, controlClasses } from "./field";
import { cx } from "./cx";

export type TextareaProps = Omit<ComponentProps<"textarea">, "children"> & {
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
  optional?: boolean;
  hideLabel?: boolean;
  containerClassName?: string;
};

export function Textarea({
  label,
  hint,
  error,
  optional,
  hideLabel,
  id,
  className,
  containerClassName,
  rows = 4,
  ...props
}: TextareaProps) {
  return (
    <Field label={label} hint={hint} error={error} optional={optional} hideLabel={hideLabel} id={id} className={containerClassName}>
      {(control) => (
        <textarea {...props} {...control} rows={rows} className={controlClasses(cx("min-h-20 resize-y py-2 leading-6", className))} />
      )}
    </Field>
  );
}
