"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  ConfirmDialog,
  cx,
  EmptyState,
  IconGitBranch,
  IconPlus,
  IconProjects,
  LoadError,
  PageHeader,
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
import { useWorkspace } from "../../_components/workspace-context";
import { ProjectDialog, type Project } from "./project-dialog";

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

type Editing = { project: Project | null; key: number };
type Notice = { tone: "success" | "danger"; text: string };

export function ProjectsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  const canManage = can("projects.manage");
  const [includeArchived, setIncludeArchived] = useState(false);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [archiving, setArchiving] = useState<Project | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  const projects = useQuery(trpc.project.list.queryOptions({ workspaceSlug: slug, includeArchived }));
  const archive = useMutation(trpc.project.archive.mutationOptions());
  const unarchive = useMutation(trpc.project.unarchive.mutationOptions());
  const pendingToggle = archive.isPending || unarchive.isPending;
  const toggleError = archive.error ?? unarchive.error;

  function openEditor(project: Project | null) {
    setNotice(null);
    setEditing({ project, key: Date.now() });
  }

  async function confirmToggle(p: Project) {
    const m = p.archivedAt ? unarchive : archive;
    try {
      await m.mutateAsync({ workspaceSlug: slug, projectId: p.id });
    } catch {
      return; // shown in the dialog
    }
    await queryClient.invalidateQueries({ queryKey: trpc.project.list.queryKey() });
    setArchiving(null);
    setNotice({
      tone: "success",
      text: p.archivedAt ? `${p.name} is active again.` : `${p.name} was archived. Turn on "Show archived" to see it.`,
    });
  }

  const createButton = canManage ? (
    <Button leadingIcon={<IconPlus />} onClick={() => openEditor(null)}>
      Create project
    </Button>
  ) : null;

  return (
    <>
      <PageHeader
        title="Projects"
        description="One project per client or job. Each keeps its repository defaults and approval rules, and tasks run inside one."
        actions={createButton}
      />

      <div className="mt-8 flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-ink-muted" aria-live="polite">
          {projects.data && projects.data.length > 0
            ? `${projects.data.length} ${includeArchived ? "" : "active "}project${projects.data.length === 1 ? "" : "s"}`
            : " "}
          {!canManage ? <span> · Read only: admins create and edit projects.</span> : null}
        </p>
        <Checkbox
          label="Show archived"
          checked={includeArchived}
          onChange={(e) => {
            setIncludeArchived(e.target.checked);
            setNotice(null);
          }}
        />
      </div>

      {notice ? (
        <Alert
          tone={notice.tone}
          className="mt-4"
          action={
            <Button size="sm" variant="ghost" onClick={() => setNotice(null)}>
              Dismiss
            </Button>
          }
        >
          {notice.text}
        </Alert>
      ) : null}

      <div className="mt-4">
        {projects.isPending ? (
          <ProjectsSkeleton />
        ) : projects.isError ? (
          <LoadError what="projects" error={projects.error} onRetry={() => projects.refetch()} />
        ) : projects.data.length === 0 ? (
          <EmptyState
            icon={<IconProjects size={20} />}
            title={includeArchived ? "No projects, active or archived" : "No active projects"}
            description={
              canManage
                ? "Create a project for a client or a job. Tasks from Slack, the web app and the API are filed under it."
                : "An admin of this workspace has not created any projects yet."
            }
            action={createButton}
          />
        ) : (
          <Table>
            <TableCaption>Projects in this workspace</TableCaption>
            <TableHead>
              <tr>
                <TableHeaderCell>Project</TableHeaderCell>
                <TableHeaderCell>Repository</TableHeaderCell>
                <TableHeaderCell>Approval</TableHeaderCell>
                <TableHeaderCell>Created</TableHeaderCell>
                {canManage ? (
                  <TableHeaderCell className="relative text-right">
                    <span className="sr-only">Actions</span>
                  </TableHeaderCell>
                ) : null}
              </tr>
            </TableHead>
            <TableBody>
              {projects.data.map((p) => (
                <TableRow key={p.id} data-testid="project-row" className={p.archivedAt ? "bg-subtle/50" : undefined}>
                  <TableCell className="max-w-72">
                    {/* A long unbroken name or description wraps anywhere (two lines at most, the rest in the
                        tooltip) instead of widening the column over the others. */}
                    <div className="flex items-center gap-2">
                      <span
                        data-testid="project-name"
                        title={p.name}
                        className={cx("line-clamp-2 min-w-0 font-medium wrap-anywhere", p.archivedAt && "text-ink-muted")}
                      >
                        {p.name}
                      </span>
                      {p.archivedAt ? <Badge>Archived</Badge> : null}
                    </div>
                    {p.description ? (
                      <p title={p.description} className="mt-0.5 line-clamp-2 text-[13px] wrap-anywhere text-ink-muted">
                        {p.description}
                      </p>
                    ) : null}
                  </TableCell>
                  <TableCell className="max-w-64">
                    {p.settings.defaultRepository ? (
                      <div className="flex flex-col gap-0.5">
                        <a
                          href={p.settings.defaultRepository}
                          target="_blank"
                          rel="noreferrer"
                          className="truncate text-[13px] text-accent-700 hover:underline"
                          title={p.settings.defaultRepository}
                        >
                          {p.settings.defaultRepository.replace(/^https?:\/\//, "")}
                        </a>
                        {p.settings.defaultBranch ? (
                          <span className="flex items-center gap-1 font-mono text-xs text-ink-muted">
                            <IconGitBranch size={12} /> {p.settings.defaultBranch}
                          </span>
                        ) : null}
                      </div>
                    ) : (
                      <span className="text-[13px] text-ink-subtle">None</span>
                    )}
                  </TableCell>
                  <TableCell>
                    {p.settings.requireApproval ? (
                      <Badge tone="warning">Required</Badge>
                    ) : (
                      <span className="text-[13px] text-ink-subtle">Not required</span>
                    )}
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-[13px] text-ink-muted">{dateFormat.format(p.createdAt)}</TableCell>
                  {canManage ? (
                    <TableCell className="text-right whitespace-nowrap">
                      <div className="flex justify-end gap-1">
                        {!p.archivedAt ? (
                          <Button size="sm" variant="ghost" onClick={() => openEditor(p)} aria-label={`Edit ${p.name}`}>
                            Edit
                          </Button>
                        ) : null}
                        <Button
                          size="sm"
                          variant="ghost"
                          onClick={() => {
                            archive.reset();
                            unarchive.reset();
                            setArchiving(p);
                          }}
                          aria-label={`${p.archivedAt ? "Unarchive" : "Archive"} ${p.name}`}
                        >
                          {p.archivedAt ? "Unarchive" : "Archive"}
                        </Button>
                      </div>
                    </TableCell>
                  ) : null}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>

      {editing ? (
        <ProjectDialog
          key={editing.key}
          project={editing.project}
          open
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            setNotice({ tone: "success", text: editing.project ? `Saved ${saved.name}.` : `Created ${saved.name}.` });
          }}
        />
      ) : null}

      <ConfirmDialog
        open={archiving !== null}
        onClose={() => setArchiving(null)}
        onConfirm={() => archiving && void confirmToggle(archiving)}
        loading={pendingToggle}
        tone={archiving?.archivedAt ? "primary" : "danger"}
        title={archiving?.archivedAt ? `Unarchive ${archiving.name}?` : `Archive ${archiving?.name ?? "project"}?`}
        description={
          archiving?.archivedAt
            ? "It returns to the project list, ready for new work."
            : "It is hidden from the project list. Nothing is deleted, and you can unarchive it at any time."
        }
        confirmLabel={archiving?.archivedAt ? "Unarchive project" : "Archive project"}
      >
        {toggleError ? <Alert tone="danger">{toggleError.message}</Alert> : null}
      </ConfirmDialog>
    </>
  );
}

function ProjectsSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading projects" className="rounded-card border border-line bg-surface shadow-card">
      <div className="h-10 border-b border-line bg-subtle/70" />
      {[0, 1, 2].map((i) => (
        <div key={i} className="flex items-center gap-6 border-b border-line px-5 py-4 last:border-b-0">
          <div className="flex flex-1 flex-col gap-2">
            <Skeleton className="h-4 w-40" />
            <Skeleton className="h-3 w-64" />
          </div>
          <Skeleton className="h-3.5 w-36" />
          <Skeleton className="h-5 w-16 rounded-full" />
          <Skeleton className="h-3.5 w-20" />
        </div>
      ))}
    </div>
  );
}
