"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";
import { Button } from "./button";
import { cx } from "./cx";
import { IconX } from "./icons";

export type DialogProps = {
  open: boolean;
  /** Called when the dialog asks to close: Escape, the close button, or a click on the backdrop. */
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  /** Buttons at the bottom, right-aligned. */
  footer?: ReactNode;
  size?: "sm" | "md" | "lg";
  /** Close on a backdrop click. Turn off for forms that would lose input. Default true. */
  closeOnBackdrop?: boolean;
  className?: string;
};

const widths = { sm: "max-w-sm", md: "max-w-lg", lg: "max-w-2xl" } as const;

/**
 * A modal on the native <dialog>: showModal() gives the top layer, inert background, focus
 * containment and Escape for free. Initial focus goes to the first focusable element in the
 * content (or one marked autoFocus); the close button comes last in tab order for that reason.
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  footer,
  size = "md",
  closeOnBackdrop = true,
  className,
}: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  // The native "close" event also fires when we close it ourselves; only report closes we did not ask for.
  const openRef = useRef(open);

  useEffect(() => {
    openRef.current = open;
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onCancel={(event) => {
        // Escape: leave the decision to the owner of `open`, so the dialog stays controlled.
        event.preventDefault();
        onClose();
      }}
      onClose={() => {
        if (openRef.current) onClose();
      }}
      onClick={(event) => {
        // A click whose target is the <dialog> itself landed on the backdrop, outside the panel.
        if (closeOnBackdrop && event.target === event.currentTarget) onClose();
      }}
      className={cx(
        "m-auto w-[calc(100%-2rem)] overflow-visible rounded-xl bg-transparent p-0 text-ink",
        "open:animate-[dialog-in_150ms_ease-out]",
        widths[size],
        className,
      )}
    >
      <div className="relative flex max-h-[calc(100dvh-4rem)] flex-col rounded-xl border border-line bg-surface shadow-overlay">
        <div className={cx("px-6 pt-5 pr-14", !children && "pb-5")}>
          <h2 id={titleId} className="text-base leading-6 font-semibold text-ink">
            {title}
          </h2>
          {description ? (
            <p id={descriptionId} className="mt-1 text-sm leading-6 text-ink-muted">
              {description}
            </p>
          ) : null}
        </div>
        {children ? <div className="overflow-y-auto px-6 pt-4 pb-5 text-sm leading-6 text-ink-muted">{children}</div> : null}
        {footer ? (
          <div className="flex flex-col-reverse gap-2 rounded-b-xl border-t border-line bg-subtle/60 px-6 py-3.5 sm:flex-row sm:justify-end">
            {footer}
          </div>
        ) : null}
        <button
          type="button"
          onClick={onClose}
          aria-label="Close"
          className="absolute top-3.5 right-3.5 flex size-8 items-center justify-center rounded-lg text-ink-subtle transition-colors hover:bg-zinc-100 hover:text-ink"
        >
          <IconX size={18} />
        </button>
      </div>
    </dialog>
  );
}

export type ConfirmDialogProps = {
  open: boolean;
  onClose: () => void;
  onConfirm: () => void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  confirmLabel?: string;
  cancelLabel?: string;
  /** "danger" for destructive actions such as revoking a runner. Default "primary". */
  tone?: "primary" | "danger";
  /** Shows a spinner on the confirm button and keeps the dialog open. */
  loading?: boolean;
};

/** A yes/no question in a Dialog; Cancel takes the initial focus so Enter never destroys anything. */
export function ConfirmDialog({
  open,
  onClose,
  onConfirm,
  title,
  description,
  children,
  confirmLabel = "Confirm",
  cancelLabel = "Cancel",
  tone = "primary",
  loading = false,
}: ConfirmDialogProps) {
  return (
    <Dialog
      open={open}
      onClose={loading ? () => {} : onClose}
      title={title}
      description={description}
      size="sm"
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={loading} autoFocus>
            {cancelLabel}
          </Button>
          <Button variant={tone} onClick={onConfirm} loading={loading}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}
