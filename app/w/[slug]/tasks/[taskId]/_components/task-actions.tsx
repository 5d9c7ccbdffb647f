"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, Button, ConfirmDialog, IconRefresh, IconX } from "@/app/_components/ui";
import { useFormKey } from "@/app/_lib/form-key";
import { useTRPC } from "@/app/_lib/trpc";
import { isTerminal } from "@/server/features/tasks/schemas";
import { useWorkspace } from "../../../_components/workspace-context";
import type { TaskDetail } from "../../_components/task-badges";

/** Cancel while the task is going, Replay once it has ended (members and up). */
export function TaskActions({ task }: { task: TaskDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { slug, can } = useWorkspace();
  const [confirming, setConfirming] = useState(false);
  // One key per button instance: a double click makes one replay. Renewed after success, since
  // this component stays mounted when the page moves on to the new task.
  const replayKey = useFormKey();
  const cancel = useMutation(
    trpc.task.cancel.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.task.pathKey() });
        setConfirming(false);
      },
    }),
  );
  const replay = useMutation(
    trpc.task.replay.mutationOptions({
      onSuccess: async ({ taskId }) => {
        replayKey.renew();
        await queryClient.invalidateQueries({ queryKey: trpc.task.pathKey() });
        router.push(`/w/${slug}/tasks/${taskId}`);
      },
    }),
  );
  if (!can("tasks.create")) return null;

  if (isTerminal(task.status)) {
    return (
      <div className="flex flex-col items-end gap-2">
        <Button
          variant="secondary"
          leadingIcon={<IconRefresh />}
          loading={replay.isPending || replay.isSuccess}
          onClick={() => replay.mutate({ workspaceSlug: slug, taskId: task.id, idempotencyKey: replayKey.idempotencyKey })}
        >
          Replay
        </Button>
        {replay.error ? <p className="text-[13px] text-red-700">{replay.error.message}</p> : null}
      </div>
    );
  }

  return (
    <>
      <Button
        variant="secondary"
        leadingIcon={<IconX />}
        onClick={() => {
          cancel.reset();
          setConfirming(true);
        }}
      >
        Cancel task
      </Button>
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        onConfirm={() => cancel.mutate({ workspaceSlug: slug, taskId: task.id })}
        loading={cancel.isPending}
        tone="danger"
        title={`Cancel task #${task.number}?`}
        description="Jace stops the pipeline and tells the runner to stop its job; partial output is discarded. You can replay the task later."
        confirmLabel="Cancel task"
        cancelLabel="Keep it running"
      >
        {cancel.error ? <Alert tone="danger">{cancel.error.message}</Alert> : null}
      </ConfirmDialog>
    </>
  );
}
