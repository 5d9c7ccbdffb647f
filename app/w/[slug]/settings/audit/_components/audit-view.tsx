"use client";
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardBody,
  EmptyState,
  IconAudit,
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
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";
import { formatDate, formatTime } from "../../_components/format";
import { NoAccess } from "../../_components/no-access";
import { EventDetails, EventTarget } from "./event-cells";

const PAGE_SIZE = 25;

export function AuditView() {
  const { can } = useWorkspace();
  if (!can("audit.read")) return <NoAccess what="read the audit log" />;
  return <AuditLog />;
}

type Filters = { action: string; actor: string; from: string; to: string };
const noFilters: Filters = { action: "", actor: "", from: "", to: "" };

/** The actor box queries as you type, after a short pause. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

function AuditLog() {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const [filters, setFilters] = useState<Filters>(noFilters);
  const actor = useDebounced(filters.actor.trim(), 300);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  // Dates are whole local days: "from" starts at midnight, "to" includes the whole day.
  const from = filters.from ? new Date(`${filters.from}T00:00:00`) : undefined;
  const to = filters.to ? new Date(`${filters.to}T23:59:59.999`) : undefined;
  const rangeError = from && to && from > to ? "The end date is before the start date." : undefined;
  const filtered = Object.values(filters).some((v) => v.trim() !== "");

  const actions = useQuery(trpc.audit.actions.queryOptions({ workspaceSlug: slug }));
  const events = useInfiniteQuery({
    ...trpc.audit.list.infiniteQueryOptions(
      { workspaceSlug: slug, action: filters.action || undefined, actor: actor || undefined, from, to, limit: PAGE_SIZE },
      { getNextPageParam: (last) => last.nextCursor },
    ),
    enabled: !rangeError,
    placeholderData: keepPreviousData,
  });
  const rows = events.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section aria-labelledby="audit-heading" className="flex flex-col gap-4">
      <div>
        <h2 id="audit-heading" className="text-[15px] leading-6 font-semibold">
          Audit log
        </h2>
        <p className="mt-0.5 max-w-xl text-sm text-ink-muted">
          Who changed what in this workspace, newest first. Entries cannot be edited or deleted.
        </p>
      </div>

      <Card>
        <CardBody>
          <form
            role="search"
            aria-label="Filter audit events"
            className="grid gap-4 sm:grid-cols-2 lg:grid-cols-[1fr_1fr_10rem_10rem_auto] lg:items-start"
            onSubmit={(e) => e.preventDefault()}
          >
            <Select
              label="Action"
              value={filters.action}
              onChange={(e) => set({ action: e.target.value })}
              options={[{ value: "", label: "All actions" }, ...(actions.data ?? []).map((a) => ({ value: a, label: a }))]}
              hint={actions.isError ? `Could not load actions: ${actions.error.message}` : undefined}
            />
            <Input
              label="Actor"
              type="search"
              placeholder="Email or key name"
              value={filters.actor}
              onChange={(e) => set({ actor: e.target.value })}
              maxLength={200}
            />
            <Input
              label="From"
              type="date"
              value={filters.from}
              max={filters.to || undefined}
              onChange={(e) => set({ from: e.target.value })}
            />
            <Input
              label="To"
              type="date"
              value={filters.to}
              min={filters.from || undefined}
              onChange={(e) => set({ to: e.target.value })}
              error={rangeError}
            />
            <Button variant="ghost" className="lg:mt-6.5" disabled={!filtered} onClick={() => setFilters(noFilters)}>
              Clear filters
            </Button>
          </form>
        </CardBody>
      </Card>

      {rangeError ? null : events.isError && !events.data ? (
        <LoadError what="the audit log" error={events.error} onRetry={() => events.refetch()} />
      ) : events.isPending ? (
        <AuditSkeleton />
      ) : rows.length === 0 ? (
        <EmptyState
          icon={<IconAudit size={20} />}
          title={filtered ? "No events match these filters" : "No activity yet"}
          description={
            filtered
              ? "Widen the date range or clear the filters to see more."
              : "Changes to projects, members, invitations and API keys are recorded here."
          }
          action={
            filtered ? (
              <Button variant="secondary" onClick={() => setFilters(noFilters)}>
                Clear filters
              </Button>
            ) : null
          }
        />
      ) : (
        <div
          className={events.isPlaceholderData ? "opacity-60 transition-opacity" : "transition-opacity"}
          aria-busy={events.isFetching || undefined}
        >
          <Table>
            <TableCaption>Audit events, newest first</TableCaption>
            <TableHead>
              <tr>
                <TableHeaderCell>Time</TableHeaderCell>
                <TableHeaderCell>Actor</TableHeaderCell>
                <TableHeaderCell>Action</TableHeaderCell>
                <TableHeaderCell>Target</TableHeaderCell>
                <TableHeaderCell>Details</TableHeaderCell>
                <TableHeaderCell>IP</TableHeaderCell>
              </tr>
            </TableHead>
            <TableBody>
              {rows.map((e) => (
                <TableRow key={e.id} data-testid="audit-row" className="align-top">
                  <TableCell className="align-top whitespace-nowrap text-[13px] text-ink-muted">
                    <time dateTime={e.createdAt.toISOString()} className="flex flex-col">
                      <span className="text-ink">{formatDate(e.createdAt)}</span>
                      <span>{formatTime(e.createdAt)}</span>
                    </time>
                  </TableCell>
                  <TableCell className="max-w-56 align-top text-[13px]">
                    <span className="break-words">{e.actorLabel}</span>
                    {e.actorType !== "user" ? (
                      <Badge tone="info" className="ml-1.5">
                        {e.actorType === "api_key" ? "API key" : e.actorType}
                      </Badge>
                    ) : null}
                  </TableCell>
                  <TableCell className="align-top">
                    <code className="rounded bg-subtle px-1.5 py-0.5 font-mono text-[12px] whitespace-nowrap text-ink">{e.action}</code>
                  </TableCell>
                  <TableCell className="max-w-48 align-top text-[13px]">
                    <EventTarget event={e} />
                  </TableCell>
                  <TableCell className="max-w-72 align-top text-[13px]">
                    <EventDetails event={e} />
                  </TableCell>
                  <TableCell className="align-top font-mono text-[12px] whitespace-nowrap text-ink-muted">{e.ip ?? "—"}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <div className="mt-4 flex items-center justify-between gap-4">
            <p className="text-[13px] text-ink-muted" aria-live="polite">
              Showing {rows.length} event{rows.length === 1 ? "" : "s"}
              {events.hasNextPage ? "" : " · no older events"}
            </p>
            {events.hasNextPage ? (
              <Button variant="secondary" onClick={() => events.fetchNextPage()} loading={events.isFetchingNextPage}>
                Load more
              </Button>
            ) : null}
          </div>
          {events.isFetchNextPageError ? (
            <Alert tone="danger" className="mt-3">
              {events.error?.message ?? "Could not load more events."}
            </Alert>
          ) : null}
        </div>
      )}
    </section>
  );
}

function AuditSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading audit events" className="rounded-card border border-line bg-surface shadow-card">
      <div className="h-10 border-b border-line bg-subtle/70" />
      {[0, 1, 2, 3, 4].map((i) => (
        <div key={i} className="flex items-center gap-6 border-b border-line px-5 py-3.5 last:border-b-0">
          <Skeleton className="h-3.5 w-28" />
          <Skeleton className="h-3.5 w-36" />
          <Skeleton className="h-5 w-28" />
          <Skeleton className="h-3.5 w-24" />
          <Skeleton className="h-3.5 flex-1" />
        </div>
      ))}
    </div>
  );
}
