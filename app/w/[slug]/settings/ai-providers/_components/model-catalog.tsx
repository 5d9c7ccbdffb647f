"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardBody,
  CardHeader,
  ConfirmDialog,
  EmptyState,
  IconLayers,
  IconPlus,
  IconRunners,
  LoadError,
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
import { CatalogEntryDialog } from "./catalog-entry-dialog";

type Models = RouterOutputs["model"]["catalog"];
export type CatalogRow = Models["catalog"][number];

/** The logical models (fast, smart, coder, ...) callers ask for, and where each one runs. */
export function ModelCatalogCard() {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const canEdit = can("workspace.update");
  const models = useQuery(trpc.model.catalog.queryOptions({ workspaceSlug: slug }));
  const [editing, setEditing] = useState<CatalogRow | "new" | null>(null);
  const [resetting, setResetting] = useState<CatalogRow | null>(null);

  return (
    <Card>
      <CardHeader
        title="Model catalog"
        description="The models tasks and API callers ask for by name. Each maps to local models on your runners (tried first) and to a cloud model for fallback."
        actions={
          canEdit && models.isSuccess ? (
            <Button size="sm" variant="secondary" onClick={() => setEditing("new")}>
              <IconPlus size={16} /> Add model
            </Button>
          ) : null
        }
      />
      {models.isPending ? (
        <CardBody aria-busy="true" aria-label="Loading the model catalog" className="flex flex-col gap-3">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-9 w-full" />
          ))}
        </CardBody>
      ) : models.isError ? (
        <CardBody>
          <LoadError what="the model catalog" error={models.error} onRetry={() => models.refetch()} />
        </CardBody>
      ) : (
        <>
          <Table bordered={false}>
            <TableCaption>Logical models and where they run</TableCaption>
            <TableHead>
              <TableRow>
                <TableHeaderCell>Model</TableHeaderCell>
                <TableHeaderCell>Local models (in order)</TableHeaderCell>
                <TableHeaderCell>Cloud fallback</TableHeaderCell>
                {canEdit ? (
                  <TableHeaderCell>
                    <span className="sr-only">Actions</span>
                  </TableHeaderCell>
                ) : null}
              </TableRow>
            </TableHead>
            <TableBody>
              {models.data.catalog.map((row) => (
                <TableRow key={row.name}>
                  <TableCell>
                    <div className="flex items-center gap-2">
                      <code className="font-mono text-sm font-medium text-ink">{row.name}</code>
                      {row.custom ? <Badge tone="accent">{row.builtIn ? "Changed" : "Custom"}</Badge> : null}
                    </div>
                    {row.description ? <p className="mt-0.5 max-w-xs text-[13px] text-ink-muted">{row.description}</p> : null}
                  </TableCell>
                  <TableCell>
                    {row.local.length === 0 ? (
                      <span className="text-[13px] text-ink-subtle">None: cloud only</span>
                    ) : (
                      <div className="flex flex-wrap gap-1">
                        {row.local.map((p) => (
                          <code key={p} className="rounded bg-subtle px-1.5 py-0.5 font-mono text-[12px] text-ink">
                            {p === "*" ? "any local model" : p}
                          </code>
                        ))}
                      </div>
                    )}
                  </TableCell>
                  <TableCell>
                    {row.cloud ? (
                      <code className="font-mono text-[13px] text-ink">{row.cloud}</code>
                    ) : (
                      <span className="text-[13px] text-ink-subtle">None: local only</span>
                    )}
                  </TableCell>
                  {canEdit ? (
                    <TableCell className="text-right whitespace-nowrap">
                      <Button size="sm" variant="ghost" onClick={() => setEditing(row)} aria-label={`Edit ${row.name}`}>
                        Edit
                      </Button>
                      {row.custom ? (
                        <Button size="sm" variant="ghost" onClick={() => setResetting(row)}>
                          {row.builtIn ? "Reset" : "Remove"}
                        </Button>
                      ) : null}
                    </TableCell>
                  ) : null}
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <CardBody className="border-t border-line">
            <LocalModels models={models.data.localModels} />
          </CardBody>
        </>
      )}
      {editing && models.data ? (
        <CatalogEntryDialog
          key={editing === "new" ? "new" : editing.name}
          entry={editing === "new" ? null : editing}
          models={models.data}
          onClose={() => setEditing(null)}
        />
      ) : null}
      {resetting ? <ResetDialog row={resetting} onClose={() => setResetting(null)} /> : null}
    </Card>
  );
}

function LocalModels({ models }: { models: Models["localModels"] }) {
  const { slug } = useWorkspace();
  if (models.length === 0) {
    return (
      <EmptyState
        bordered={false}
        className="py-6"
        icon={<IconRunners size={20} />}
        title="No local models yet"
        description={
          <>
            Models appear here once a runner with GGUF files in its models folder connects.{" "}
            <Link className="font-medium text-accent-700 hover:underline" href={`/w/${slug}/runners`}>
              Enroll a runner
            </Link>
            . Until then every call uses its cloud fallback.
          </>
        }
      />
    );
  }
  return (
    <div className="flex flex-col gap-2">
      <h3 className="flex items-center gap-1.5 text-sm font-semibold text-ink">
        <IconLayers size={16} /> Models on your runners
      </h3>
      <ul className="flex flex-wrap gap-2">
        {models.map((m) => (
          <li key={m.id} className="flex items-center gap-2 rounded-lg border border-line px-2.5 py-1.5 text-[13px]">
            <code className="font-mono text-ink">{m.id}</code>
            <span className="text-ink-subtle">{(m.sizeBytes / 1024 ** 3).toFixed(1)} GB</span>
            <Badge tone={m.online > 0 ? "success" : "neutral"} dot>
              {m.online > 0 ? `${m.online} online` : "offline"}
            </Badge>
          </li>
        ))}
      </ul>
      <p className="text-[13px] text-ink-subtle">Use these ids, or patterns such as *coder*, as a model&apos;s local models.</p>
    </div>
  );
}

function ResetDialog({ row, onClose }: { row: CatalogRow; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const reset = useMutation(
    trpc.model.resetEntry.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.model.catalog.queryKey() });
        onClose();
      },
    }),
  );
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      onConfirm={() => reset.mutate({ workspaceSlug: slug, name: row.name })}
      loading={reset.isPending}
      tone={row.builtIn ? "primary" : "danger"}
      title={row.builtIn ? `Reset ${row.name} to Jace's default?` : `Remove ${row.name}?`}
      description={
        row.builtIn
          ? `Your change to ${row.name} is dropped and it maps to Jace's default models again.`
          : `Calls and projects that ask for ${row.name} will fail with "unknown model" until you add it again.`
      }
      confirmLabel={row.builtIn ? "Reset" : "Remove model"}
    >
      {reset.error ? <Alert tone="danger">{reset.error.message}</Alert> : null}
    </ConfirmDialog>
  );
}
