"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Dialog, Input } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";
import { parseLabels } from "../../_components/labels";

type Props = { runnerId: string; onClose: () => void; onSaved: (message: string) => void };

/** Fields that fail the router's own validation come back as zod errors; show the first one under the field. */
function fieldError(error: { message: string; data?: { zodError?: { fieldErrors: unknown } | null } | null } | null, field: string) {
  const fields = (error?.data?.zodError?.fieldErrors ?? {}) as Record<string, string[] | undefined>;
  return fields[field]?.[0];
}

function useRefresh() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.runner.get.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.runner.list.queryKey() }),
    ]);
}

export function RenameDialog({ runnerId, currentName, onClose, onSaved }: Props & { currentName: string }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const refresh = useRefresh();
  const [name, setName] = useState(currentName);
  const rename = useMutation(
    trpc.runner.rename.mutationOptions({
      onSuccess: async (_d, input) => {
        await refresh();
        onSaved(`Renamed to ${input.name.trim()}.`);
      },
    }),
  );
  const nameError = fieldError(rename.error, "name");

  return (
    <Dialog
      open
      onClose={rename.isPending ? () => {} : onClose}
      title="Rename runner"
      description="The name is only a label for people; jobs find runners by their models and labels."
      closeOnBackdrop={false}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={rename.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="rename-runner" loading={rename.isPending}>
            Save name
          </Button>
        </>
      }
    >
      <form
        id="rename-runner"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          rename.mutate({ workspaceSlug: slug, runnerId, name });
        }}
        className="flex flex-col gap-4"
      >
        <Input
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={nameError}
          maxLength={80}
          autoComplete="off"
          autoFocus
        />
        {rename.error && !nameError ? <Alert tone="danger">{rename.error.message}</Alert> : null}
      </form>
    </Dialog>
  );
}

export function LabelsDialog({ runnerId, currentLabels, onClose, onSaved }: Props & { currentLabels: string[] }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const refresh = useRefresh();
  const [text, setText] = useState(currentLabels.join(", "));
  const [touched, setTouched] = useState(false);
  const parsed = parseLabels(text);
  const relabel = useMutation(
    trpc.runner.relabel.mutationOptions({
      onSuccess: async (_d, input) => {
        await refresh();
        onSaved(input.labels.length > 0 ? `Labels saved: ${input.labels.join(", ")}.` : "Labels removed.");
      },
    }),
  );
  const labelError = (touched ? parsed.error : null) ?? fieldError(relabel.error, "labels");

  return (
    <Dialog
      open
      onClose={relabel.isPending ? () => {} : onClose}
      title="Edit labels"
      description="Jobs can ask for runners that carry a label, such as home or rtx-2070."
      closeOnBackdrop={false}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={relabel.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="relabel-runner" loading={relabel.isPending}>
            Save labels
          </Button>
        </>
      }
    >
      <form
        id="relabel-runner"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (!parsed.error) relabel.mutate({ workspaceSlug: slug, runnerId, labels: parsed.labels });
        }}
        className="flex flex-col gap-4"
      >
        <Input
          label="Labels"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => setTouched(true)}
          error={labelError}
          hint="Comma-separated. Lowercase letters, digits, dots, dashes and underscores. Leave empty to remove all labels."
          placeholder="home, rtx-2070"
          autoComplete="off"
          spellCheck={false}
          autoFocus
        />
        {relabel.error && !labelError ? <Alert tone="danger">{relabel.error.message}</Alert> : null}
      </form>
    </Dialog>
  );
}
