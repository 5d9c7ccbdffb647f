import { useId, type ComponentProps, type ReactNode } from "react";
import { FieldError } from "./field";
import { cx } from "./cx";

export type CheckboxProps = Omit<ComponentProps<"input">, "type" | "children"> & {
  label: ReactNode;
  /** Secondary line under the label. */
  description?: ReactNode;
  error?: ReactNode;
  containerClassName?: string;
};

export function Checkbox({ label, description, error, id: idProp, className, containerClassName, ...props }: CheckboxProps) {
  const generated = useId();
  const id = idProp ?? generated;
  const descriptionId = description ? `${id}-description` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className={cx("flex flex-col gap-1.5", containerClassName)}>
      <div className="flex items-start gap-3">
        <input
          {...props}
          id={id}
          type="checkbox"
          aria-describedby={[descriptionId, errorId].filter(Boolean).join(" ") || undefined}
          aria-invalid={error ? true : undefined}
          className={cx(
            "mt-0.5 size-4 shrink-0 cursor-pointer rounded border-line-strong accent-accent-600",
            "disabled:cursor-not-allowed",
            className,
          )}
        />
        <div className="flex flex-col gap-0.5">
          <label htmlFor={id} className="cursor-pointer text-sm leading-5 font-medium text-ink">
            {label}
          </label>
          {description ? (
            <p id={descriptionId} className="text-[13px] leading-5 text-ink-subtle">
              {description}
            </p>
          ) : null}
        </div>
      </div>
      {error ? <FieldError id={errorId}>{error}</FieldError> : null}
    </div>
  );
}
