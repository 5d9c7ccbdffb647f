import Link from "next/link";
import type { ComponentProps, ReactNode } from "react";
import { cx } from "./cx";
import { Spinner } from "./spinner";

export type ButtonVariant = "primary" | "secondary" | "ghost" | "danger";
export type ButtonSize = "sm" | "md" | "lg";

const base =
  "inline-flex shrink-0 items-center justify-center gap-2 rounded-lg font-medium whitespace-nowrap " +
  "transition-colors duration-150 select-none disabled:pointer-events-none disabled:opacity-55 " +
  "aria-disabled:pointer-events-none aria-disabled:opacity-55";

const variants: Record<ButtonVariant, string> = {
  primary: "bg-accent-600 text-white shadow-sm hover:bg-accent-700 active:bg-accent-800 " + "focus-visible:outline-accent-500",
  secondary: "border border-line-strong bg-surface text-ink shadow-sm hover:bg-subtle active:bg-zinc-200/70",
  ghost: "text-ink-muted hover:bg-zinc-100 hover:text-ink active:bg-zinc-200/70",
  danger: "bg-red-600 text-white shadow-sm hover:bg-red-700 active:bg-red-800 focus-visible:outline-red-500",
};

const sizes: Record<ButtonSize, string> = {
  sm: "h-8 px-3 text-[13px]",
  md: "h-9 px-3.5 text-sm",
  lg: "h-11 px-5 text-[15px]",
};

const iconOnlySizes: Record<ButtonSize, string> = {
  sm: "size-8",
  md: "size-9",
  lg: "size-11",
};

/** Class names of a button, for elements that must look like one but cannot be one. */
export function buttonClasses({
  variant = "primary",
  size = "md",
  iconOnly = false,
  className,
}: {
  variant?: ButtonVariant;
  size?: ButtonSize;
  iconOnly?: boolean;
  className?: string;
} = {}): string {
  return cx(base, variants[variant], iconOnly ? iconOnlySizes[size] : sizes[size], className);
}

type CommonProps = {
  variant?: ButtonVariant;
  size?: ButtonSize;
  /** Shows a spinner, disables the button and marks it busy. */
  loading?: boolean;
  /** Icon placed before the label (replaced by the spinner while loading). */
  leadingIcon?: ReactNode;
  /** Icon placed after the label. */
  trailingIcon?: ReactNode;
  /** Square button holding only an icon; pass an aria-label. */
  iconOnly?: boolean;
  className?: string;
  children?: ReactNode;
};

type AsButton = CommonProps & Omit<ComponentProps<"button">, keyof CommonProps> & { href?: undefined };
type AsLink = CommonProps &
  Omit<ComponentProps<typeof Link>, keyof CommonProps> & {
    href: ComponentProps<typeof Link>["href"];
    /** A link cannot be disabled natively; this renders it inert with aria-disabled. */
    disabled?: boolean;
  };

export type ButtonProps = AsButton | AsLink;

export function Button({
  variant = "primary",
  size = "md",
  loading = false,
  leadingIcon,
  trailingIcon,
  iconOnly = false,
  className,
  children,
  ...rest
}: ButtonProps) {
  const classes = buttonClasses({ variant, size, iconOnly, className });
  const content = (
    <>
      {loading ? <Spinner size={size === "lg" ? 18 : 16} /> : leadingIcon}
      {children}
      {trailingIcon}
    </>
  );

  if (rest.href !== undefined) {
    const { disabled, ...linkProps } = rest;
    const inert = disabled || loading;
    return (
      <Link
        {...linkProps}
        className={classes}
        aria-disabled={inert || undefined}
        aria-busy={loading || undefined}
        tabIndex={inert ? -1 : linkProps.tabIndex}
      >
        {content}
      </Link>
    );
  }

  const { disabled, type = "button", ...buttonProps } = rest;
  return (
    <button {...buttonProps} type={type} className={classes} disabled={disabled || loading} aria-busy={loading || undefined}>
      {content}
    </button>
  );
}
