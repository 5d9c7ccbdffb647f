"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardBody,
  CardFooter,
  CardHeader,
  IconPlus,
  Input,
  LoadError,
  Select,
  Skeleton,
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
} from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";
import { formErrorOf } from "../../_components/form-errors";
import { CloudPriceDialog } from "./cloud-price-dialog";
import { formatUsd, parseUsd, per1mUsd, usdInput } from "./money";

type Models = RouterOutputs["model"]["catalog"];

/**
 * The cost formula's rates: C = cloud tokens x cloud prices + local calls x energy per call +
 * runner GPU hours x hourly rate + base fee. Owners (billing.manage) edit them.
 */
export function PricingCard() {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const canEdit = can("billing.manage");
  const models = useQuery(trpc.model.catalog.queryOptions({ workspaceSlug: slug }));
  return (
    <Card>
      <CardHeader
        title="Prices"
        description="What Jace counts each call at on the usage page and against budgets: cloud tokens, local energy per call, runner GPU time, and a monthly base fee."
      />
      {models.isPending ? (
        <CardBody aria-busy="true" aria-label="Loading prices" className="flex flex-col gap-3">
          <Skeleton className="h-16 w-full" />
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} className="h-9 w-full" />
          ))}
        </CardBody>
      ) : models.isError ? (
        <CardBody>
          <LoadError what="prices" error={models.error} onRetry={() => models.refetch()} />
        </CardBody>
      ) : (
        <>
          <CardBody>
            <KeyNotice keySource={models.data.keySource} />
          </CardBody>
          <CloudPrices models={models.data} canEdit={canEdit} />
          <LocalCosts models={models.data} canEdit={canEdit} />
        </>
      )}
    </Card>
  );
}

function KeyNotice({ keySource }: { keySource: Models["keySource"] }) {
  if (keySource === "workspace") {
    return (
      <Alert tone="info" title="Cloud calls use your own OpenAI key">
        OpenAI bills that account; the cloud prices below are how Jace counts those calls for your budgets and usage page.
      </Alert>
    );
  }
  if (keySource === "system") {
    return (
      <Alert tone="info" title="Cloud calls use the Jace server's OpenAI key">
        They are charged at Jace&apos;s list prices against your plan&apos;s allowance, and only listed models run. Your own cloud prices
        apply once you save your own OpenAI key below.
      </Alert>
    );
  }
  return (
    <Alert tone="warning" title="No OpenAI key is configured">
      Calls that no runner can serve fail until you save an OpenAI key below (or the server&apos;s operator sets one).
    </Alert>
  );
}

function CloudPrices({ models, canEdit }: { models: Models; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const reset = useMutation(
    trpc.model.setPricing.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.model.catalog.queryKey() }),
    }),
  );
  const dropOverride = (model: string) => {
    const settings = models.pricingSettings;
    const cloud = { ...settings.cloud };
    delete cloud[model];
    reset.mutate({ workspaceSlug: slug, pricing: { ...settings, cloud } });
  };

  return (
    <div className="border-t border-line">
      <div className="flex items-center justify-between gap-3 px-5 pt-4 pb-2">
        <h3 className="text-sm font-semibold text-ink">Cloud models</h3>
        {canEdit ? (
          <Button size="sm" variant="secondary" onClick={() => setEditing("new")}>
            <IconPlus size={16} /> Add cloud model
          </Button>
        ) : null}
      </div>
      {reset.error ? (
        <div className="px-5 pb-2">
          <Alert tone="danger">{reset.error.message}</Alert>
        </div>
      ) : null}
      <Table bordered={false}>
        <TableCaption>Cloud model prices</TableCaption>
        <TableHead>
          <TableRow>
            <TableHeaderCell>Model</TableHeaderCell>
            <TableHeaderCell className="text-right">Input / 1M tokens</TableHeaderCell>
            <TableHeaderCell className="text-right">Output / 1M tokens</TableHeaderCell>
            <TableHeaderCell>Price</TableHeaderCell>
            {canEdit ? (
              <TableHeaderCell>
                <span className="sr-only">Actions</span>
              </TableHeaderCell>
            ) : null}
          </TableRow>
        </TableHead>
        <TableBody>
          {models.cloudPrices.map((p) => (
            <TableRow key={p.model}>
              <TableCell>
                <code className="font-mono text-[13px]">{p.model}</code>
              </TableCell>
              <TableCell className="text-right tabular-nums">{formatUsd(per1mUsd(p.inputPer1k) * 1e6)}</TableCell>
              <TableCell className="text-right tabular-nums">{formatUsd(per1mUsd(p.outputPer1k) * 1e6)}</TableCell>
              <TableCell>
                {!p.listed ? (
                  <Badge tone="warning">Own key only</Badge>
                ) : p.custom ? (
                  <Badge tone="accent">Your price</Badge>
                ) : (
                  <Badge>List price</Badge>
                )}
              </TableCell>
              {canEdit ? (
                <TableCell className="text-right whitespace-nowrap">
                  <Button size="sm" variant="ghost" onClick={() => setEditing(p.model)} aria-label={`Edit the price of ${p.model}`}>
                    Edit
                  </Button>
                  {p.custom ? (
                    <Button
                      size="sm"
                      variant="ghost"
                      loading={reset.isPending && reset.variables?.pricing.cloud?.[p.model] === undefined}
                      onClick={() => dropOverride(p.model)}
                    >
                      {p.listed ? "Use list price" : "Remove"}
                    </Button>
                  ) : null}
                </TableCell>
              ) : null}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {editing ? <CloudPriceDialog model={editing === "new" ? null : editing} models={models} onClose={() => setEditing(null)} /> : null}
    </div>
  );
}

/** Local energy, GPU-hour rates (default and per runner), base fee and baseline model: one form, one save. */
function LocalCosts({ models, canEdit }: { models: Models; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const { pricing, pricingSettings: settings } = models;
  const [energy, setEnergy] = useState(usdInput(pricing.localEnergyPerCallMicros));
  const [gpuHour, setGpuHour] = useState(usdInput(pricing.gpuHourMicros));
  const [baseFee, setBaseFee] = useState(usdInput(pricing.baseFeeMicros));
  const [baseline, setBaseline] = useState(pricing.baselineModel);
  const [runnerRates, setRunnerRates] = useState<Record<string, string>>(() =>
    Object.fromEntries(models.runners.map((r) => [r.id, usdInput(r.hourlyMicros)])),
  );
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.model.setPricing.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.model.catalog.queryKey() });
        setSaved(true);
      },
    }),
  );
  const parsed = { energy: parseUsd(energy), gpuHour: parseUsd(gpuHour), baseFee: parseUsd(baseFee) };
  const bad = (v: number | null, required = true) =>
    Number.isNaN(v) || (required && v === null) ? "Enter an amount in dollars, e.g. 0.06." : null;
  const runnerErrors = Object.fromEntries(Object.entries(runnerRates).map(([id, v]) => [id, bad(parseUsd(v), false)]));
  const invalid = Boolean(bad(parsed.energy) || bad(parsed.gpuHour) || bad(parsed.baseFee) || Object.values(runnerErrors).some(Boolean));

  return (
    <form
      noValidate
      className="border-t border-line"
      onSubmit={(e) => {
        e.preventDefault();
        if (invalid) return;
        setSaved(false);
        const runnerHourly = Object.fromEntries(
          Object.entries(runnerRates).flatMap(([id, v]) => {
            const micros = parseUsd(v);
            return micros === null ? [] : [[id, micros]];
          }),
        );
        save.mutate({
          workspaceSlug: slug,
          pricing: {
            ...settings,
            localEnergyPerCallMicros: parsed.energy!,
            gpuHourMicros: parsed.gpuHour!,
            baseFeeMicros: parsed.baseFee!,
            baselineModel: baseline,
            runnerHourly,
          },
        });
      }}
    >
      <div className="flex flex-col gap-4 px-5 py-4">
        <h3 className="text-sm font-semibold text-ink">Local costs and base fee</h3>
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Input
            label="Energy per local call, $"
            inputMode="decimal"
            value={energy}
            onChange={(e) => setEnergy(e.target.value)}
            error={bad(parsed.energy)}
            disabled={!canEdit}
            hint={`Now ${formatUsd(pricing.localEnergyPerCallMicros)}`}
          />
          <Input
            label="GPU hour, $"
            inputMode="decimal"
            value={gpuHour}
            onChange={(e) => setGpuHour(e.target.value)}
            error={bad(parsed.gpuHour)}
            disabled={!canEdit}
            hint="Amortised hardware; any runner without its own rate"
          />
          <Input
            label="Base fee per month, $"
            inputMode="decimal"
            value={baseFee}
            onChange={(e) => setBaseFee(e.target.value)}
            error={bad(parsed.baseFee)}
            disabled={!canEdit}
            hint="Hosting, the plan"
          />
          <Select
            label="Baseline model"
            value={baseline}
            onChange={(e) => setBaseline(e.target.value)}
            options={models.cloudPrices.map((p) => ({ value: p.model, label: p.model }))}
            disabled={!canEdit}
            hint="Savings of calls with no cloud equivalent"
          />
        </div>
        {models.runners.length > 0 ? (
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-1 text-sm font-medium text-ink">GPU hour per runner, $ (empty: the default above)</legend>
            <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
              {models.runners.map((r) => (
                <Input
                  key={r.id}
                  label={r.name}
                  inputMode="decimal"
                  value={runnerRates[r.id] ?? ""}
                  onChange={(e) => setRunnerRates((rates) => ({ ...rates, [r.id]: e.target.value }))}
                  error={runnerErrors[r.id]}
                  placeholder={usdInput(pricing.gpuHourMicros)}
                  disabled={!canEdit}
                  optional
                />
              ))}
            </div>
          </fieldset>
        ) : (
          <p className="text-[13px] text-ink-subtle">Rates per runner can be set here once runners are enrolled.</p>
        )}
        {save.error ? <Alert tone="danger">{formErrorOf(save.error, [])}</Alert> : null}
      </div>
      {canEdit ? (
        <CardFooter>
          {saved && !save.error ? (
            <span className="mr-auto text-[13px] text-emerald-700">Saved. The usage page uses the new rates.</span>
          ) : null}
          <Button type="submit" loading={save.isPending} disabled={invalid}>
            Save costs
          </Button>
        </CardFooter>
      ) : (
        <CardFooter className="justify-start">
          <span className="text-[13px] text-ink-subtle">Only workspace owners can change prices.</span>
        </CardFooter>
      )}
    </form>
  );
}
