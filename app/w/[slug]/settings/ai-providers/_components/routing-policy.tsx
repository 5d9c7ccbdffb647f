"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Card, CardBody, CardHeader, LoadError, Select, Skeleton } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import type { RoutingPolicy } from "@/server/llm/types";
import { policyOptions } from "../../../_components/routing-policies";
import { useWorkspace } from "../../../_components/workspace-context";

/** The workspace's default routing policy: API calls without X-Jace-Project, and projects without their own. */
export function RoutingPolicyCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  const canEdit = can("workspace.update");
  const models = useQuery(trpc.model.catalog.queryOptions({ workspaceSlug: slug }));
  const [chosen, setChosen] = useState<RoutingPolicy | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.model.setPolicy.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.model.catalog.queryKey() });
        setChosen(null);
        setSaved(true);
      },
    }),
  );
  const current = models.data?.routingPolicy;
  const value = chosen ?? current ?? "local-first";
  const explain = policyOptions.find((p) => p.value === value)?.explain;

  return (
    <Card>
      <CardHeader
        title="Default routing policy"
        description="Where calls go when no project says otherwise: OpenAI-compatible API calls without an X-Jace-Project header, and projects that have no policy of their own."
      />
      <CardBody className="flex flex-col gap-3">
        {models.isPending ? (
          <div aria-busy="true" aria-label="Loading the routing policy" className="flex flex-col gap-2">
            <Skeleton className="h-4 w-32" />
            <Skeleton className="h-9 w-full max-w-sm" />
          </div>
        ) : models.isError ? (
          <LoadError what="the routing policy" error={models.error} onRetry={() => models.refetch()} />
        ) : (
          <form
            className="flex flex-col gap-3 sm:flex-row sm:items-start"
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate({ workspaceSlug: slug, policy: value });
            }}
          >
            <Select
              label="Policy"
              value={value}
              onChange={(e) => {
                setSaved(false);
                setChosen(e.target.value as RoutingPolicy);
              }}
              options={policyOptions.map((p) => ({ value: p.value, label: p.label }))}
              hint={explain}
              disabled={!canEdit || save.isPending}
              containerClassName="w-full max-w-sm"
            />
            {canEdit ? (
              <Button type="submit" className="sm:mt-[26px]" loading={save.isPending} disabled={value === current}>
                Save policy
              </Button>
            ) : null}
          </form>
        )}
        {save.error ? <Alert tone="danger">{save.error.message} Try again, or reload the page if it keeps failing.</Alert> : null}
        {saved && !save.error ? <p className="text-[13px] text-emerald-700">Saved. New calls follow this policy.</p> : null}
        {!canEdit && models.isSuccess ? (
          <p className="text-[13px] text-ink-subtle">Only owners and admins can change the default policy.</p>
        ) : null}
      </CardBody>
    </Card>
  );
}
