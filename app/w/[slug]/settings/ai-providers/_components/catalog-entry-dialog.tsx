"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Dialog, Input, Select } from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";
import { fieldErrorsOf, formErrorOf } from "../../_components/form-errors";

type Models = RouterOutputs["model"]["catalog"];

const NO_CLOUD = "";

/** Adds a logical model, or changes where an existing one runs. Remounted per open (keyed by the caller). */
export function CatalogEntryDialog({
  entry,
  models,
  onClose,
}: {
  entry: Models["catalog"][number] | null;
  models: Models;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const [name, setName] = useState(entry?.name ?? "");
  const [local, setLocal] = useState(entry?.local.join(", ") ?? "");
  const [cloud, setCloud] = useState(entry ? (entry.cloud ?? NO_CLOUD) : "gpt-4o-mini");
  const [description, setDescription] = useState(entry?.description ?? "");
  const save = useMutation(
    trpc.model.setEntry.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.model.catalog.queryKey() });
        onClose();
      },
    }),
  );
  const patterns = local
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const errors = fieldErrorsOf(save.error);
  const formError = formErrorOf(save.error, ["name"]);
  const nowhere = patterns.length === 0 && cloud === NO_CLOUD;
  const cloudOptions = models.cloudPrices.map((p) => ({
    value: p.model,
    label: p.listed ? p.model : `${p.model} (your own key only)`,
  }));

  return (
    <Dialog
      open
      onClose={save.isPending ? () => {} : onClose}
      title={entry ? `Edit ${entry.name}` : "Add a model"}
      description="Callers ask for this name; Jace tries the local models in order on your runners, then the cloud model if the routing policy allows it."
      closeOnBackdrop={false}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="catalog-entry" loading={save.isPending} disabled={nowhere || name.trim() === ""}>
            {entry ? "Save changes" : "Add model"}
          </Button>
        </>
      }
    >
      <form
        id="catalog-entry"
        noValidate
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({
            workspaceSlug: slug,
            name: name.trim(),
            entry: {
              local: patterns,
              cloud: cloud === NO_CLOUD ? null : cloud,
              ...(description.trim() ? { description: description.trim() } : {}),
            },
          });
        }}
      >
        {entry ? null : (
          <Input
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errors.name}
            hint="What callers send as `model`, e.g. reviewer. Lowercase letters, digits, . _ -"
            maxLength={50}
            autoComplete="off"
            spellCheck={false}
            autoFocus
            required
          />
        )}
        <Input
          label="Local models"
          value={local}
          onChange={(e) => setLocal(e.target.value)}
          hint={
            models.localModels.length > 0
              ? `Comma-separated ids or patterns, first match wins. * is any model. On your runners: ${models.localModels.map((m) => m.id).join(", ")}.`
              : "Comma-separated ids or patterns, first match wins; * is any model. Leave empty for cloud only."
          }
          placeholder="*coder*, *"
          autoComplete="off"
          spellCheck={false}
          optional
        />
        <Select
          label="Cloud fallback"
          value={cloud}
          onChange={(e) => setCloud(e.target.value)}
          hint={
            cloud !== NO_CLOUD && !models.cloudPrices.find((p) => p.model === cloud)?.listed
              ? "This model is not on Jace's price list: it runs only with this workspace's own OpenAI key."
              : "Used when no runner can serve the call and the policy and budgets allow the cloud."
          }
        >
          <option value={NO_CLOUD}>None (local only)</option>
          {cloudOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </Select>
        <Input
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          maxLength={200}
          placeholder="Code review: a local coder model, else a cloud one"
          optional
        />
        {nowhere ? <Alert tone="warning">Give the model at least one local model or a cloud fallback, or it can never run.</Alert> : null}
        {formError ? <Alert tone="danger">{formError}</Alert> : null}
      </form>
    </Dialog>
  );
}
