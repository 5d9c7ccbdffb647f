"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Checkbox, Dialog, Input, Select } from "@/app/_components/ui";
import { useFormKey } from "@/app/_lib/form-key";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { fieldErrorsOf, formErrorOf } from "../../settings/_components/form-errors";
import type { Budget } from "./budgets-section";
import { formatUsd, parseUsd } from "./format";

const WORKSPACE = "";

type Props = {
  /** The budget to edit; a new one when null. */
  budget: Budget | null;
  /** Budgets that exist already: their scopes are not offered for a new one. */
  existing: Budget[];
  onClose: () => void;
  onSaved: (budget: Budget, created: boolean) => void;
};

/** Mounted per open, so the form starts from the budget's values each time. */
export function BudgetDialog({ budget, existing, onClose, onSaved }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const projects = useQuery({ ...trpc.project.list.queryOptions({ workspaceSlug: slug, includeArchived: false }), enabled: !budget });
  const taken = new Set(existing.map((b) => b.projectId ?? WORKSPACE));
  const scopes = [
    { value: WORKSPACE, label: "Whole workspace" },
    ...(projects.data ?? []).map((p) => ({ value: p.id, label: p.name })),
  ].filter((s) => !taken.has(s.value));

  const [scope, setScope] = useState<string | null>(budget ? (budget.projectId ?? WORKSPACE) : null);
  const [limit, setLimit] = useState(budget ? (budget.monthlyLimitMicros / 1e6).toFixed(2) : "");
  const [threshold, setThreshold] = useState(String(budget?.softThresholdPct ?? 80));
  const [hardLimit, setHardLimit] = useState(budget?.hardLimit ?? true);
  const [localErrors, setLocalErrors] = useState<{ limit?: string; threshold?: string }>({});
  const chosenScope = scope ?? scopes[0]?.value ?? null;
  const { idempotencyKey } = useFormKey();

  const save = useMutation(
    trpc.usage.upsertBudget.mutationOptions({
      onSuccess: async (saved) => {
        await queryClient.invalidateQueries({ queryKey: trpc.usage.budgets.queryKey() });
        onSaved(saved, !budget);
      },
    }),
  );
  const serverErrors = fieldErrorsOf(save.error);
  const formError = formErrorOf(save.error, ["monthlyLimitMicros", "softThresholdPct", "projectId"]);

  function submit() {
    const micros = parseUsd(limit);
    const pct = Number(threshold);
    const errors = {
      limit: micros === null ? "Enter the limit in dollars, e.g. 50 or 12.50." : undefined,
      threshold: !Number.isInteger(pct) || pct < 1 || pct > 100 ? "Use a whole percentage from 1 to 100." : undefined,
    };
    setLocalErrors(errors);
    if (errors.limit || errors.threshold || micros === null || chosenScope === null || save.isPending) return;
    save.mutate({
      workspaceSlug: slug,
      projectId: chosenScope === WORKSPACE ? null : chosenScope,
      monthlyLimitMicros: micros,
      softThresholdPct: pct,
      hardLimit,
      idempotencyKey,
    });
  }

  const micros = parseUsd(limit);
  const pct = Number(threshold);
  const alertAt = micros !== null && Number.isInteger(pct) && pct >= 1 && pct <= 100 ? formatUsd((micros * pct) / 100) : null;
  const noScopeLeft = !budget && projects.isSuccess && scopes.length === 0;
  const title = budget ? `Edit the budget of ${budget.scope === "workspace" ? "the workspace" : budget.name}` : "Add budget";

  return (
    <Dialog
      open
      onClose={save.isPending ? () => {} : onClose}
      title={title}
      description="A monthly limit on what cloud models may cost. Calls on your runners never count against it."
      closeOnBackdrop={false}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="budget-form" loading={save.isPending} disabled={noScopeLeft || chosenScope === null}>
            {budget ? "Save budget" : "Add budget"}
          </Button>
        </>
      }
    >
      <form
        id="budget-form"
        noValidate
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {budget ? null : noScopeLeft ? (
          <Alert tone="info">The workspace and every project already have a budget. Edit one of them instead.</Alert>
        ) : (
          <Select
            label="Applies to"
            value={chosenScope ?? ""}
            onChange={(e) => setScope(e.target.value)}
            options={scopes}
            disabled={projects.isPending}
            error={serverErrors.projectId}
            hint="A project's calls count against both its own budget and the workspace's."
          />
        )}
        <div className="grid gap-4 sm:grid-cols-[1fr_9rem]">
          <Input
            label="Monthly limit (USD)"
            inputMode="decimal"
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
            error={localErrors.limit ?? serverErrors.monthlyLimitMicros}
            placeholder="50.00"
            hint="From $0.01 to $2,147.48, reset on the 1st (UTC)."
            autoFocus
            autoComplete="off"
            required
          />
          <Input
            label="Alert at (%)"
            type="number"
            min={1}
            max={100}
            step={1}
            value={threshold}
            onChange={(e) => setThreshold(e.target.value)}
            error={localErrors.threshold ?? serverErrors.softThresholdPct}
            hint={alertAt ? `Email at ${alertAt}` : undefined}
            required
          />
        </div>
        <Checkbox
          label="Stop cloud calls at the limit"
          description="Once it is spent, calls go to your runners where the project allows it and are refused otherwise. Untick to only get an email."
          checked={hardLimit}
          onChange={(e) => setHardLimit(e.target.checked)}
        />
        {formError ? <Alert tone="danger">{formError}</Alert> : null}
      </form>
    </Dialog>
  );
}
