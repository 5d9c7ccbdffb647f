"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Checkbox, Dialog, Input, Select, Textarea } from "@/app/_components/ui";
import { useFormKey } from "@/app/_lib/form-key";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { defaultCatalog } from "@/server/llm/catalog";
import type { RoutingPolicy } from "@/server/llm/types";
import { policyOptions } from "../../_components/routing-policies";
import { useWorkspace } from "../../_components/workspace-context";

export type Project = RouterOutputs["project"]["list"][number];

/** A project either follows the workspace's default policy (no policy saved) or pins its own. */
const policies: { value: RoutingPolicy | ""; label: string; explain: string }[] = [
  {
    value: "",
    label: "Workspace default",
    explain: "Follows the workspace's policy (Settings → AI providers); local first unless changed there.",
  },
  ...policyOptions,
];

type Props = {
  /** The project to edit; create a new one when null. */
  project: Project | null;
  open: boolean;
  onClose: () => void;
  onSaved: (project: Project) => void;
};

/** Remounted per open (keyed by the caller), so the form always starts from the project's values. */
export function ProjectDialog({ project, open, onClose, onSaved }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const [name, setName] = useState(project?.name ?? "");
  const [description, setDescription] = useState(project?.description ?? "");
  const [repository, setRepository] = useState(project?.settings.defaultRepository ?? "");
  const [branch, setBranch] = useState(project?.settings.defaultBranch ?? "");
  const [requireApproval, setRequireApproval] = useState(project?.settings.requireApproval ?? false);
  const [policy, setPolicy] = useState<RoutingPolicy | "">(project?.settings.routingPolicy ?? "");
  const [model, setModel] = useState(project?.settings.model ?? "");
  const { idempotencyKey } = useFormKey();

  const mutationOptions = {
    onSuccess: async (saved: Project) => {
      await queryClient.invalidateQueries({ queryKey: trpc.project.list.queryKey() });
      onSaved(saved);
    },
  };
  const create = useMutation(trpc.project.create.mutationOptions(mutationOptions));
  const update = useMutation(trpc.project.update.mutationOptions(mutationOptions));
  const mutation = project ? update : create;
  const pending = mutation.isPending;

  const zodErrors = mutation.error?.data?.zodError?.fieldErrors as Record<string, string[] | undefined> | undefined;
  // Settings are validated as one nested object, so their errors arrive under "settings" with zod's generic
  // wording; the URL is the only setting the inputs below cannot constrain, so the message is ours.
  const errors = { name: zodErrors?.name?.[0], description: zodErrors?.description?.[0], settings: zodErrors?.settings?.[0] };
  const hasFieldError = Boolean(errors.name || errors.description || errors.settings);
  const formError =
    mutation.error && !hasFieldError
      ? zodErrors
        ? "Some values are not valid. Check the form and try again."
        : mutation.error.message
      : null;

  function submit() {
    if (pending) return;
    // Keep settings this dialog does not edit (e.g. task timeout) intact.
    const settings = {
      ...project?.settings,
      defaultRepository: repository.trim(),
      defaultBranch: branch.trim(),
      requireApproval,
      routingPolicy: policy || undefined,
      model: model.trim() || undefined,
    };
    if (project) update.mutate({ workspaceSlug: slug, projectId: project.id, name, description, settings });
    else create.mutate({ workspaceSlug: slug, name, description, settings, idempotencyKey });
  }

  const formId = project ? `edit-project-${project.id}` : "create-project";
  return (
    <Dialog
      open={open}
      onClose={pending ? () => {} : onClose}
      title={project ? `Edit ${project.name}` : "Create project"}
      description={project ? undefined : "A project groups tasks for one client or job, with its own repository and approval rules."}
      closeOnBackdrop={false}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" form={formId} loading={pending}>
            {project ? "Save changes" : "Create project"}
          </Button>
        </>
      }
    >
      <form
        id={formId}
        noValidate
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Input
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.name}
          maxLength={80}
          placeholder="Acme API"
          autoFocus
          required
        />
        <Textarea
          label="Description"
          optional
          rows={3}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={errors.description}
          maxLength={500}
          placeholder="Backend work for Acme: bug fixes and small features."
        />
        <div className="grid gap-4 sm:grid-cols-[1fr_12rem]">
          <Input
            label="Default repository"
            optional
            type="url"
            inputMode="url"
            value={repository}
            onChange={(e) => setRepository(e.target.value)}
            error={errors.settings ? "Enter a full web address starting with https://, such as https://github.com/acme/api." : undefined}
            maxLength={300}
            placeholder="https://github.com/acme/api"
          />
          <Input
            label="Default branch"
            optional
            value={branch}
            onChange={(e) => setBranch(e.target.value)}
            maxLength={100}
            placeholder="main"
          />
        </div>
        <div className="grid gap-4 sm:grid-cols-[1fr_12rem]">
          <Select
            label="Where model calls run"
            value={policy}
            onChange={(e) => setPolicy(e.target.value as RoutingPolicy | "")}
            options={policies.map((p) => ({ value: p.value, label: p.label }))}
            hint={policies.find((p) => p.value === policy)?.explain}
          />
          <Input
            label="Model"
            optional
            list="project-model-options"
            value={model}
            onChange={(e) => setModel(e.target.value)}
            maxLength={200}
            placeholder="fast"
            autoComplete="off"
            hint={
              defaultCatalog[model.trim()]?.description ??
              (model.trim() ? "A concrete local or cloud model name." : "fast, smart, coder or a model name.")
            }
          />
          <datalist id="project-model-options">
            {Object.keys(defaultCatalog).map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </div>
        <Checkbox
          label="Require approval"
          description="A member must approve each task's plan before it runs."
          checked={requireApproval}
          onChange={(e) => setRequireApproval(e.target.checked)}
        />
        {formError ? <Alert tone="danger">{formError}</Alert> : null}
      </form>
    </Dialog>
  );
}
