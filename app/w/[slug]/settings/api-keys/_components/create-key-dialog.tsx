"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { Alert, Button, Dialog, IconCheck, IconCopy, Input } from "@/app/_components/ui";
import { useFormKey } from "@/app/_lib/form-key";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";
import { fieldErrorsOf, formErrorOf } from "../../_components/form-errors";

/**
 * Two steps in one dialog: name the key, then show the secret. The secret lives only in this
 * component's state, so it is gone once the dialog closes (the caller unmounts it).
 */
export function CreateKeyDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const [name, setName] = useState("");
  const { idempotencyKey } = useFormKey();
  const create = useMutation(
    trpc.apiKey.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.apiKey.list.queryKey() }),
    }),
  );
  const created = create.data;
  const errors = fieldErrorsOf(create.error);
  const formError = formErrorOf(create.error, ["name"]);

  if (created) {
    return (
      <Dialog
        open
        onClose={onClose}
        title={`API key "${created.key.name}" created`}
        closeOnBackdrop={false}
        footer={<Button onClick={onClose}>I have saved it</Button>}
      >
        <div className="flex flex-col gap-4">
          <Alert tone="warning" title="Copy it now. It will not be shown again.">
            Jace stores only a hash of the key. If you lose it, revoke it and create a new one.
          </Alert>
          <SecretField secret={created.secret} />
          <p className="text-[13px] leading-5 text-ink-muted">
            Send it as{" "}
            <code className="rounded bg-subtle px-1 py-0.5 font-mono text-[12px] text-ink">
              Authorization: Bearer {created.key.prefix}…
            </code>{" "}
            with API requests.
          </p>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      open
      onClose={create.isPending ? () => {} : onClose}
      title="Create API key"
      description="A key lets a script or service call the Jace API for this workspace. Give each integration its own key, so you can revoke one without breaking the others."
      closeOnBackdrop={false}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="create-api-key" loading={create.isPending}>
            Create API key
          </Button>
        </>
      }
    >
      <form
        id="create-api-key"
        noValidate
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          if (!create.isPending) create.mutate({ workspaceSlug: slug, name, idempotencyKey });
        }}
      >
        <Input
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.name}
          hint="What will use it, e.g. “CI deploy” or “Zapier”."
          maxLength={64}
          autoComplete="off"
          autoFocus
          required
        />
        {formError ? <Alert tone="danger">{formError}</Alert> : null}
      </form>
    </Dialog>
  );
}

function SecretField({ secret }: { secret: string }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      // Clipboard access can be denied (insecure origin, permissions); leave the text selected instead.
      inputRef.current?.select();
      setCopied("failed");
    }
  }

  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor="new-api-key" className="text-sm font-medium text-ink">
        Your new API key
      </label>
      <div className="flex gap-2">
        <input
          ref={inputRef}
          id="new-api-key"
          data-testid="new-api-key"
          readOnly
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          className="block h-9 w-full min-w-0 rounded-lg border border-line-strong bg-subtle px-3 font-mono text-[13px] text-ink"
        />
        <Button variant="secondary" onClick={copy} leadingIcon={copied === "yes" ? <IconCheck /> : <IconCopy />} autoFocus>
          {copied === "yes" ? "Copied" : "Copy"}
        </Button>
      </div>
      <p role="status" className="text-[13px] leading-5 text-ink-subtle">
        {copied === "yes"
          ? "Copied to the clipboard."
          : copied === "failed"
            ? "Could not reach the clipboard. The key is selected: press Ctrl+C (⌘C on a Mac)."
            : " "}
      </p>
    </div>
  );
}
