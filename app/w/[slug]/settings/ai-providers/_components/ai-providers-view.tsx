"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardBody,
  CardHeader,
  ConfirmDialog,
  IconGlobe,
  IconRunners,
  Input,
  LoadError,
  Skeleton,
} from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";
import { fieldErrorsOf, formErrorOf } from "../../_components/form-errors";
import { formatDate } from "../../_components/format";
import { ModelCatalogCard } from "./model-catalog";
import { PricingCard } from "./pricing";
import { RoutingPolicyCard } from "./routing-policy";

type ProviderKey = RouterOutputs["providerKey"]["get"];

export function AiProvidersView() {
  return (
    <div className="flex flex-col gap-6">
      <RoutingCard />
      <RoutingPolicyCard />
      <ModelCatalogCard />
      <OpenAIKeyCard />
      <PricingCard />
    </div>
  );
}

function RoutingCard() {
  const { slug } = useWorkspace();
  return (
    <Card>
      <CardHeader title="Where model calls run" description="Jace tries your own machines before it spends money on a cloud model." />
      <CardBody>
        <ol className="grid gap-5 md:grid-cols-2">
          <Step
            n={1}
            icon={<IconRunners size={18} />}
            title="Your runners first"
            link={<Link href={`/w/${slug}/runners`}>Manage runners</Link>}
          >
            Each call goes to an online runner of this workspace with a fitting local model. It costs only energy and GPU time.
          </Step>
          <Step
            n={2}
            icon={<IconGlobe size={18} />}
            title="OpenAI only as a fallback"
            link={<Link href={`/w/${slug}/billing`}>Usage and budgets</Link>}
          >
            Only when no runner can serve the call, the routing policy (the project&apos;s, else the workspace default below) allows the
            cloud, and the budgets have room left. Every cloud call is metered.
          </Step>
        </ol>
      </CardBody>
    </Card>
  );
}

function Step({ n, icon, title, link, children }: { n: number; icon: ReactNode; title: string; link: ReactNode; children: ReactNode }) {
  return (
    <li className="flex gap-3">
      <div className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-accent-50 text-accent-600 ring-1 ring-accent-100">
        {icon}
      </div>
      <div className="min-w-0">
        <h3 className="text-sm font-semibold text-ink">
          <span className="sr-only">Step {n}: </span>
          {title}
        </h3>
        <p className="mt-0.5 text-sm leading-6 text-ink-muted">{children}</p>
        <div className="mt-1 text-[13px] font-medium text-accent-700 [&_a]:hover:underline">{link}</div>
      </div>
    </li>
  );
}

function OpenAIKeyCard() {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const canManage = can("billing.manage");
  const key = useQuery(trpc.providerKey.get.queryOptions({ workspaceSlug: slug }));
  const [replacing, setReplacing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <Card>
      <CardHeader
        title="OpenAI"
        description="This workspace's own OpenAI API key, used for cloud fallback. It is stored encrypted and never shown again after saving."
        actions={
          key.isSuccess ? (
            key.data ? (
              <Badge tone="success" dot>
                Key saved
              </Badge>
            ) : (
              <Badge>No key</Badge>
            )
          ) : null
        }
      />
      <CardBody className="flex flex-col gap-4">
        {notice ? (
          <Alert
            tone="success"
            action={
              <Button size="sm" variant="ghost" onClick={() => setNotice(null)}>
                Dismiss
              </Button>
            }
          >
            {notice}
          </Alert>
        ) : null}
        {key.isPending ? (
          <div aria-busy="true" aria-label="Loading the OpenAI key" className="flex flex-col gap-2">
            <Skeleton className="h-4 w-40" />
            <Skeleton className="h-9 w-full max-w-md" />
          </div>
        ) : key.isError ? (
          <LoadError what="the OpenAI key" error={key.error} onRetry={() => key.refetch()} />
        ) : key.data && !replacing ? (
          <SavedKey
            saved={key.data}
            canManage={canManage}
            onReplace={() => {
              setNotice(null);
              setReplacing(true);
            }}
            onRemoved={() => setNotice("The OpenAI key was removed. This workspace no longer uses it.")}
          />
        ) : canManage ? (
          <KeyForm
            replacing={replacing}
            onCancel={() => setReplacing(false)}
            onSaved={(saved) => {
              setReplacing(false);
              setNotice(`Key saved. From now on it shows only as ${saved?.masked ?? "a masked value"}.`);
            }}
          />
        ) : (
          <p className="text-sm text-ink-muted">No key saved. Only workspace owners can add one.</p>
        )}
        <p className="text-[13px] leading-5 text-ink-subtle">
          Without a key of its own, this workspace&apos;s cloud fallback uses the Jace server&apos;s OpenAI key if its operator set one;
          otherwise calls that no runner can serve fail, with the reason on the task.
        </p>
      </CardBody>
    </Card>
  );
}

function SavedKey({
  saved,
  canManage,
  onReplace,
  onRemoved,
}: {
  saved: NonNullable<ProviderKey>;
  canManage: boolean;
  onReplace: () => void;
  onRemoved: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation(
    trpc.providerKey.remove.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        await queryClient.invalidateQueries({ queryKey: trpc.providerKey.get.queryKey() });
        onRemoved();
      },
    }),
  );
  return (
    <div className="flex flex-wrap items-center justify-between gap-4 rounded-lg border border-line bg-subtle/60 px-4 py-3">
      <div className="flex flex-col gap-0.5">
        <code className="font-mono text-sm text-ink" data-testid="openai-key-masked">
          {saved.masked}
        </code>
        <span className="text-[13px] text-ink-subtle">
          Saved {formatDate(saved.updatedAt)}
          {canManage ? null : " · only owners can replace or remove it"}
        </span>
      </div>
      {canManage ? (
        <div className="flex gap-2">
          <Button size="sm" variant="secondary" onClick={onReplace}>
            Replace key
          </Button>
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              remove.reset();
              setConfirming(true);
            }}
          >
            Remove
          </Button>
        </div>
      ) : null}
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        onConfirm={() => remove.mutate({ workspaceSlug: slug })}
        loading={remove.isPending}
        tone="danger"
        title="Remove the OpenAI key?"
        description={`${saved.masked} is deleted from Jace at once. Cloud fallback then uses the server's key, if there is one, or stops. Your runners are not affected.`}
        confirmLabel="Remove key"
      >
        {remove.error ? <Alert tone="danger">{remove.error.message}</Alert> : null}
      </ConfirmDialog>
    </div>
  );
}

function KeyForm({ replacing, onCancel, onSaved }: { replacing: boolean; onCancel: () => void; onSaved: (saved: ProviderKey) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const [value, setValue] = useState("");
  const save = useMutation(
    trpc.providerKey.save.mutationOptions({
      onSuccess: async (saved) => {
        // The secret leaves the page's state the moment it is stored.
        setValue("");
        await queryClient.invalidateQueries({ queryKey: trpc.providerKey.get.queryKey() });
        onSaved(saved);
      },
    }),
  );
  const errors = fieldErrorsOf(save.error);
  const formError = formErrorOf(save.error, ["key"]);
  return (
    <form
      noValidate
      className="flex flex-col gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ workspaceSlug: slug, key: value });
      }}
    >
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
        <Input
          label={replacing ? "New API key" : "API key"}
          type="password"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          error={errors.key ?? formError}
          placeholder="sk-..."
          hint="Create one at platform.openai.com under API keys. Usage is billed to that OpenAI account."
          autoComplete="off"
          spellCheck={false}
          containerClassName="w-full max-w-md"
          autoFocus={replacing}
          required
        />
        <div className="flex gap-2 sm:mt-[26px]">
          <Button type="submit" loading={save.isPending} disabled={value.trim() === ""}>
            {replacing ? "Replace key" : "Save key"}
          </Button>
          {replacing ? (
            <Button variant="secondary" onClick={onCancel} disabled={save.isPending}>
              Cancel
            </Button>
          ) : null}
        </div>
      </div>
    </form>
  );
}
