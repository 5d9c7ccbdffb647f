import { Alert } from "./alert";
import { Button } from "./button";

export type LoadErrorProps = {
  /** Completes the title "Could not load …", e.g. "projects" or "the audit log". */
  what: string;
  /** The failed query's error; its message is shown as the body. */
  error: { message: string };
  /** Shows a "Retry" button that calls this, usually `() => query.refetch()`. */
  onRetry?: () => void;
  className?: string;
};

/** The danger Alert shown when a query fails to load, with an optional Retry button. */
export function LoadError({ what, error, onRetry, className }: LoadErrorProps) {
  return (
    <Alert
      tone="danger"
      title={`Could not load ${what}`}
      className={className}
      action={
        onRetry ? (
          <Button size="sm" variant="secondary" onClick={onRetry}>
            Retry
          </Button>
        ) : undefined
      }
    >
      {error.message}
    </Alert>
  );
}
