"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Dialog, Input } from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";
import { formErrorOf } from "../../_components/form-errors";
import { parseUsd, per1kMicros, per1mUsd } from "./money";

type Models = RouterOutputs["model"]["catalog"];

/** Sets this workspace's price for one cloud model (or adds a model Jace does not list). */
export function CloudPriceDialog({ model, models, onClose }: { model: string | null; models: Models; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const current = model ? models.cloudPrices.find((p) => p.model === model) : undefined;
  const [name, setName] = useState(model ?? "");
  const [input, setInput] = useState(current ? String(per1mUsd(current.inputPer1k)) : "");
  const [output, setOutput] = useState(current ? String(per1mUsd(current.outputPer1k)) : "");
  const [touched, setTouched] = useState(false);
  const save = useMutation(
    trpc.model.setPricing.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.model.catalog.queryKey() });
        onClose();
      },
    }),
  );
  const inputMicros = parseUsd(input);
  const outputMicros = parseUsd(output);
  const nameError =
    touched && !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/.test(name.trim())
      ? "Use the model's id as OpenAI names it, e.g. gpt-4.1-nano."
      : null;
  const priceError = (v: number | null) =>
    touched && (v === null || Number.isNaN(v)) ? "Enter a price in dollars, e.g. 0.15 (use 0 for free)." : null;
  const valid = !nameError && inputMicros !== null && !Number.isNaN(inputMicros) && outputMicros !== null && !Number.isNaN(outputMicros);

  return (
    <Dialog
      open
      onClose={save.isPending ? () => {} : onClose}
      title={model ? `Price of ${model}` : "Add a cloud model"}
      description="Prices count cloud calls made with this workspace's own OpenAI key. On the Jace server's key, Jace's list prices apply and only listed models run."
      closeOnBackdrop={false}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={save.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="cloud-price" loading={save.isPending}>
            Save price
          </Button>
        </>
      }
    >
      <form
        id="cloud-price"
        noValidate
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (!valid) return;
          const settings = models.pricingSettings;
          save.mutate({
            workspaceSlug: slug,
            pricing: {
              ...settings,
              cloud: { ...settings.cloud, [name.trim()]: { inputPer1k: per1kMicros(inputMicros), outputPer1k: per1kMicros(outputMicros) } },
            },
          });
        }}
      >
        {model ? null : (
          <Input
            label="Model"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={nameError}
            placeholder="gpt-4.1-nano"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            required
          />
        )}
        <div className="grid gap-4 sm:grid-cols-2">
          <Input
            label="Input, $ per 1M tokens"
            inputMode="decimal"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            error={priceError(inputMicros)}
            placeholder="0.15"
            autoFocus={Boolean(model)}
          />
          <Input
            label="Output, $ per 1M tokens"
            inputMode="decimal"
            value={output}
            onChange={(e) => setOutput(e.target.value)}
            error={priceError(outputMicros)}
            placeholder="0.60"
          />
        </div>
        {save.error ? <Alert tone="danger">{formErrorOf(save.error, [])}</Alert> : null}
      </form>
    </Dialog>
  );
}
