"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  Alert,
  Badge,
  Button,
  ConfirmDialog,
  EmptyState,
  IconKey,
  IconPlus,
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
import { formatDate, formatDateTime, formatRelative } from "../../_components/format";
import { NoAccess } from "../../_components/no-access";
import { CreateKeyDialog } from "./create-key-dialog";

type ApiKey = RouterOutputs["apiKey"]["list"][number];

export function ApiKeysView() {
  const { can } = useWorkspace();
  if (!can("apiKeys.manage")) return <NoAccess what="create and revoke API keys" />;
  return <ApiKeys />;
}

function ApiKeys() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const keys = useQuery(trpc.apiKey.list.queryOptions({ workspaceSlug: slug }));
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const revoke = useMutation(
    trpc.apiKey.revoke.mutationOptions({
      onSuccess: async () => {
        setRevoked(revoking?.name ?? null);
        setRevoking(null);
        await queryClient.invalidateQueries({ queryKey: trpc.apiKey.list.queryKey() });
      },
    }),
  );

  const createButton = (
    <Button
      leadingIcon={<IconPlus />}
      onClick={() => {
        setRevoked(null);
        setCreating(true);
      }}
    >
      Create API key
    </Button>
  );

  return (
    <section aria-labelledby="api-keys-heading">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 id="api-keys-heading" className="text-[15px] leading-6 font-semibold">
            API keys
          </h2>
          <p className="mt-0.5 max-w-xl text-sm text-ink-muted">
            Keys for scripts and services that call the Jace API on behalf of this workspace.
          </p>
        </div>
        {keys.data && keys.data.length > 0 ? createButton : null}
      </div>

      {revoked ? (
        <Alert
          tone="success"
          className="mt-4"
          action={
            <Button size="sm" variant="ghost" onClick={() => setRevoked(null)}>
              Dismiss
            </Button>
          }
        >
          {revoked} was revoked. Requests using it are now refused.
        </Alert>
      ) : null}

      <div className="mt-4">
        {keys.isPending ? (
          <div aria-busy="true" aria-label="Loading API keys" className="rounded-card border border-line bg-surface shadow-card">
            <div className="h-10 border-b border-line bg-subtle/70" />
            {[0, 1].map((i) => (
              <div key={i} className="flex items-center gap-6 border-b border-line px-5 py-4 last:border-b-0">
                <Skeleton className="h-4 w-36" />
                <Skeleton className="h-4 w-32" />
                <Skeleton className="ml-auto h-4 w-24" />
              </div>
            ))}
          </div>
        ) : keys.isError ? (
          <LoadError what="API keys" error={keys.error} onRetry={() => keys.refetch()} />
        ) : keys.data.length === 0 ? (
          <EmptyState
            icon={<IconKey size={20} />}
            title="No API keys yet"
            description="Create a key so CI, scripts or other services can call the Jace API for this workspace."
            action={createButton}
          />
        ) : (
          <Table>
            <TableCaption>API keys of this workspace</TableCaption>
            <TableHead>
              <tr>
                <TableHeaderCell>Name</TableHeaderCell>
                <TableHeaderCell>Key</TableHeaderCell>
                <TableHeaderCell>Created</TableHeaderCell>
                <TableHeaderCell>Last used</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell className="relative text-right">
                  <span className="sr-only">Actions</span>
                </TableHeaderCell>
              </tr>
            </TableHead>
            <TableBody>
              {keys.data.map((k) => (
                <TableRow key={k.id} data-testid="api-key-row">
                  <TableCell className={k.revokedAt ? "font-medium text-ink-muted" : "font-medium"}>{k.name}</TableCell>
                  <TableCell>
                    <code className="rounded bg-subtle px-1.5 py-0.5 font-mono text-[12px] text-ink-muted">{k.prefix}…</code>
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-[13px] text-ink-muted">{formatDate(k.createdAt)}</TableCell>
                  <TableCell className="whitespace-nowrap text-[13px] text-ink-muted">
                    {k.lastUsedAt ? (
                      <time dateTime={k.lastUsedAt.toISOString()} title={formatDateTime(k.lastUsedAt)}>
                        {formatRelative(k.lastUsedAt)}
                      </time>
                    ) : (
                      "Never"
                    )}
                  </TableCell>
                  <TableCell>
                    {k.revokedAt ? (
                      <Badge tone="danger" title={`Revoked ${formatDateTime(k.revokedAt)}`}>
                        Revoked
                      </Badge>
                    ) : (
                      <Badge tone="success" dot>
                        Active
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell className="text-right">
                    {!k.revokedAt ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() => {
                          revoke.reset();
                          setRevoking(k);
                        }}
                        aria-label={`Revoke ${k.name}`}
                      >
                        Revoke
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>

      {creating ? <CreateKeyDialog onClose={() => setCreating(false)} /> : null}

      <ConfirmDialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate({ workspaceSlug: slug, apiKeyId: revoking.id })}
        loading={revoke.isPending}
        tone="danger"
        title={`Revoke ${revoking?.name ?? "API key"}?`}
        description={`Anything using ${revoking?.prefix ?? "this key"}… stops working immediately. This cannot be undone; create a new key to restore access.`}
        confirmLabel="Revoke key"
      >
        {revoke.error ? <Alert tone="danger">{revoke.error.message}</Alert> : null}
      </ConfirmDialog>
    </section>
  );
}
