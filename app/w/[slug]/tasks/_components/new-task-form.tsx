"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, Button, Card, CardBody, CardFooter, Checkbox, Input, Select, Skeleton, Textarea } from "@/app/_components/ui";
import { useFormKey } from "@/app/_lib/form-key";
import { useTRPC, type RouterInputs } from "@/app/_lib/trpc";
import type { TaskKind } from "@/server/features/tasks/schemas";
import { useWorkspace } from "../../_components/workspace-context";
import { KindPicker } from "./kind-picker";

type TaskInput = RouterInputs["task"]["create"]["task"];

/** Starts a task from the web. Validation is the server's: its messages appear under the fields. */
export function NewTaskForm({ initialKind, initialProjectId }: { initialKind: TaskKind; initialProjectId?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { slug, can } = useWorkspace();
  const projects = useQuery(trpc.project.list.queryOptions({ workspaceSlug: slug, includeArchived: false }));
  const [kind, setKind] = useState<TaskKind>(initialKind);
  const [chosenProject, setProjectId] = useState(initialProjectId ?? "");
  const [title, setTitle] = useState("");
  const [question, setQuestion] = useState("");
  const [instructions, setInstructions] = useState("");
  const [repository, setRepository] = useState<string | null>(null);
  const [branch, setBranch] = useState<string | null>(null);
  const [approval, setApproval] = useState(false);
  const { idempotencyKey } = useFormKey();

  const create = useMutation(
    trpc.task.create.mutationOptions({
      onSuccess: async ({ taskId }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.task.pathKey() });
        router.push(`/w/${slug}/tasks/${taskId}`);
      },
    }),
  );

  if (projects.isPending) return <FormSkeleton />;
  const list = projects.data ?? [];
  const project = list.find((p) => p.id === chosenProject) ?? list[0];
  if (!can("tasks.create")) {
    return (
      <Alert tone="info">Your role is viewer: you can follow tasks but not start them. Ask a workspace admin for member access.</Alert>
    );
  }
  if (projects.isSuccess && !project) {
    return (
      <Alert tone="warning" title="Create a project first" action={<Button href={`/w/${slug}/projects`}>Go to Projects</Button>}>
        Every task belongs to a project, which holds its repository and approval rules.
      </Alert>
    );
  }

  // The project's defaults fill the test fields until someone types in them.
  const repoValue = repository ?? project?.settings.defaultRepository ?? "";
  const branchValue = branch ?? project?.settings.defaultBranch ?? "";
  const forced = kind === "custom" ? "custom" : project?.settings.requireApproval ? "project" : null;

  const fieldErrors = create.error?.data?.zodError?.fieldErrors as Record<string, string[] | undefined> | undefined;
  const taskError = fieldErrors?.task?.[0];
  const errors = {
    title: fieldErrors?.title?.[0],
    branch: taskError?.startsWith("Branch") ? taskError : undefined,
    main: taskError && !taskError.startsWith("Branch") ? taskError : undefined,
  };
  const formError =
    create.error && !taskError && !errors.title
      ? fieldErrors
        ? "Some values are not valid. Check the form."
        : create.error.message
      : null;

  function submit() {
    // The page leaves once the task exists; until then every submission is this one task.
    if (create.isPending || create.isSuccess) return;
    const task: TaskInput =
      kind === "ask"
        ? { kind, question }
        : kind === "test"
          ? { kind, repository: repoValue, ...(branchValue.trim() ? { branch: branchValue } : {}) }
          : { kind, instructions };
    create.mutate({
      workspaceSlug: slug,
      projectId: project?.id,
      title: title.trim() || undefined,
      task,
      requireApproval: forced ? true : approval,
      idempotencyKey,
    });
  }

  return (
    <Card>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <CardBody className="flex flex-col gap-5 py-5">
          <KindPicker
            value={kind}
            onChange={(k) => {
              create.reset();
              setKind(k);
            }}
          />
          <div className="grid gap-4 sm:grid-cols-2">
            <Select
              label="Project"
              value={project?.id ?? ""}
              onChange={(e) => {
                setProjectId(e.target.value);
                setRepository(null);
                setBranch(null);
              }}
              options={list.map((p) => ({ value: p.id, label: p.name }))}
            />
            <Input
              label="Title"
              optional
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              error={errors.title}
              maxLength={200}
              hint="Defaults to the start of the request."
            />
          </div>
          {kind === "ask" ? (
            <Textarea
              label="Question"
              rows={5}
              value={question}
              onChange={(e) => setQuestion(e.target.value)}
              error={errors.main}
              placeholder="How do we rotate the API's signing keys without downtime?"
              autoFocus
            />
          ) : kind === "test" ? (
            <div className="grid gap-4 sm:grid-cols-[1fr_12rem]">
              <Input
                label="Repository"
                inputMode="url"
                value={repoValue}
                onChange={(e) => setRepository(e.target.value)}
                error={errors.main}
                placeholder="https://github.com/acme/api"
                hint="A git URL the runner can clone."
              />
              <Input
                label="Branch"
                optional
                value={branchValue}
                onChange={(e) => setBranch(e.target.value)}
                error={errors.branch}
                placeholder="main"
              />
            </div>
          ) : (
            <Textarea
              label="Instructions"
              rows={6}
              value={instructions}
              onChange={(e) => setInstructions(e.target.value)}
              error={errors.main}
              placeholder="Summarise last week's failed deploys and suggest one fix for each."
              autoFocus
            />
          )}
          <Checkbox
            label="Require approval"
            description={
              forced === "custom"
                ? "Custom work always waits for an admin to approve its plan before it runs."
                : forced === "project"
                  ? `${project?.name} requires approval for every task.`
                  : "An admin approves the plan before anything runs."
            }
            checked={forced ? true : approval}
            disabled={Boolean(forced)}
            onChange={(e) => setApproval(e.target.checked)}
          />
          {formError ? <Alert tone="danger">{formError}</Alert> : null}
        </CardBody>
        <CardFooter>
          <Button variant="secondary" href={`/w/${slug}/tasks`}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending || create.isSuccess}>
            Start task
          </Button>
        </CardFooter>
      </form>
    </Card>
  );
}

function FormSkeleton() {
  return (
    <div aria-label="Loading" className="rounded-card border border-line bg-surface p-5 shadow-card">
      <Skeleton className="h-4 w-40" />
      <div className="mt-3 grid gap-3 sm:grid-cols-3">
        <Skeleton className="h-20" />
        <Skeleton className="h-20" />
        <Skeleton className="h-20" />
      </div>
      <Skeleton className="mt-5 h-9 w-full" />
      <Skeleton className="mt-5 h-32 w-full" />
    </div>
  );
}
