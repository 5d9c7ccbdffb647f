"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardBody,
  CardFooter,
  CardHeader,
  ConfirmDialog,
  Dialog,
  Input,
  LoadError,
  Skeleton,
} from "@/app/_components/ui";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { fieldErrorsOf, formErrorOf } from "./form-errors";
import { formatDate } from "./format";

type Workspace = RouterOutputs["workspace"]["get"];

export function GeneralSettings() {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const workspace = useQuery(trpc.workspace.get.queryOptions({ workspaceSlug: slug }));

  return (
    <div className="flex flex-col gap-6">
      {workspace.isPending ? (
        <Card aria-busy="true" aria-label="Loading workspace">
          <CardHeader title="Workspace" description="How the workspace appears to its members." />
          <CardBody className="flex flex-col gap-5">
            <Skeleton className="h-9 w-full max-w-md" />
            <div className="grid gap-4 sm:grid-cols-4">
              {[0, 1, 2, 3].map((i) => (
                <Skeleton key={i} className="h-10" />
              ))}
            </div>
          </CardBody>
        </Card>
      ) : workspace.isError ? (
        <LoadError what="the workspace" error={workspace.error} onRetry={() => workspace.refetch()} />
      ) : (
        <WorkspaceCard workspace={workspace.data} canRename={can("workspace.update")} />
      )}
      <LeaveCard />
      {can("workspace.delete") ? <DeleteCard /> : null}
    </div>
  );
}

function WorkspaceCard({ workspace, canRename }: { workspace: Workspace; canRename: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [name, setName] = useState(workspace.name);
  const [saved, setSaved] = useState(false);
  const rename = useMutation(
    trpc.workspace.rename.mutationOptions({
      onSuccess: async () => {
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.workspace.pathKey() });
        // The sidebar and switcher are server-rendered by the layout.
        router.refresh();
      },
    }),
  );
  const errors = fieldErrorsOf(rename.error);
  const formError = formErrorOf(rename.error, ["name"]);
  const unchanged = name.trim() === workspace.name;

  const facts = [
    { label: "URL", value: <span className="font-mono text-[13px]">/w/{workspace.slug}</span> },
    {
      label: "Plan",
      value: (
        <Badge tone="accent" className="capitalize">
          {workspace.plan}
        </Badge>
      ),
    },
    { label: "Created", value: formatDate(workspace.createdAt) },
    { label: "Your role", value: <span className="capitalize">{workspace.role}</span> },
  ];

  return (
    <Card>
      <CardHeader title="Workspace" description="How the workspace appears to its members." />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          rename.mutate({ workspaceSlug: workspace.slug, name });
        }}
      >
        <CardBody className="flex flex-col gap-5">
          <Input
            label="Workspace name"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setSaved(false);
            }}
            error={errors.name}
            hint={canRename ? undefined : "Only admins and owners can rename the workspace."}
            disabled={!canRename}
            maxLength={64}
            containerClassName="max-w-md"
            required
          />
          <dl className="grid gap-4 sm:grid-cols-4">
            {facts.map((f) => (
              <div key={f.label} className="flex flex-col gap-1">
                <dt className="text-[13px] font-medium text-ink-subtle">{f.label}</dt>
                <dd className="text-sm text-ink">{f.value}</dd>
              </div>
            ))}
          </dl>
          {formError ? <Alert tone="danger">{formError}</Alert> : null}
        </CardBody>
        {canRename ? (
          <CardFooter className="justify-between">
            <p className="text-[13px] text-ink-muted" role="status">
              {saved && unchanged ? "Saved." : "The URL stays the same when you rename."}
            </p>
            <Button type="submit" loading={rename.isPending} disabled={unchanged}>
              Save name
            </Button>
          </CardFooter>
        ) : null}
      </form>
    </Card>
  );
}

function LeaveCard() {
  const trpc = useTRPC();
  const router = useRouter();
  const { slug, name } = useWorkspace();
  const [confirming, setConfirming] = useState(false);
  const leave = useMutation(
    trpc.member.leave.mutationOptions({
      onSuccess: () => {
        router.push("/w");
        router.refresh();
      },
    }),
  );
  return (
    <Card>
      <ActionRow
        title="Leave workspace"
        description="You lose access to its projects and tasks. An admin can invite you back."
        action={
          <Button
            variant="secondary"
            onClick={() => {
              leave.reset();
              setConfirming(true);
            }}
          >
            Leave workspace
          </Button>
        }
      />
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        onConfirm={() => leave.mutate({ workspaceSlug: slug })}
        loading={leave.isPending || leave.isSuccess}
        tone="danger"
        title={`Leave ${name}?`}
        description="You will no longer see this workspace. To come back, someone must invite you again."
        confirmLabel="Leave workspace"
      >
        {leave.error ? <Alert tone="danger">{leave.error.message}</Alert> : null}
      </ConfirmDialog>
    </Card>
  );
}

function DeleteCard() {
  const trpc = useTRPC();
  const router = useRouter();
  const { slug, name } = useWorkspace();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const remove = useMutation(
    trpc.workspace.delete.mutationOptions({
      onSuccess: () => {
        router.replace("/w");
        router.refresh();
      },
    }),
  );
  const busy = remove.isPending || remove.isSuccess;
  const close = () => {
    if (busy) return;
    setOpen(false);
    setTyped("");
    remove.reset();
  };
  return (
    <Card className="border-red-200">
      <ActionRow
        title={<span className="text-red-700">Delete workspace</span>}
        description="Removes its projects, members, invitations, API keys and audit log for everyone. This cannot be undone."
        action={
          <Button variant="danger" onClick={() => setOpen(true)}>
            Delete workspace
          </Button>
        }
      />
      <Dialog
        open={open}
        onClose={close}
        title={`Delete ${name}?`}
        description="Everything in this workspace is deleted for all members, immediately and permanently."
        closeOnBackdrop={false}
        footer={
          <>
            <Button variant="secondary" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" form="delete-workspace" variant="danger" loading={busy} disabled={typed.trim() !== slug}>
              Delete this workspace
            </Button>
          </>
        }
      >
        <form
          id="delete-workspace"
          noValidate
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim() === slug) remove.mutate({ workspaceSlug: slug, confirmSlug: typed.trim() });
          }}
        >
          <Input
            label={
              <>
                Type <span className="font-mono font-semibold">{slug}</span> to confirm
              </>
            }
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            autoFocus
          />
          {remove.error ? <Alert tone="danger">{remove.error.message}</Alert> : null}
        </form>
      </Dialog>
    </Card>
  );
}

/** A card holding one titled action, e.g. leave or delete. */
function ActionRow({ title, description, action }: { title: ReactNode; description: ReactNode; action: ReactNode }) {
  return (
    <div className="flex flex-col gap-4 px-5 py-4 sm:flex-row sm:items-center sm:justify-between">
      <div className="min-w-0">
        <h2 className="text-[15px] leading-6 font-semibold text-ink">{title}</h2>
        <p className="mt-0.5 max-w-xl text-sm leading-5 text-ink-muted">{description}</p>
      </div>
      <div className="shrink-0">{action}</div>
    </div>
  );
}
