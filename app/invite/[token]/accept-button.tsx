"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Alert, Button, IconArrowRight } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";

export function AcceptButton({ token, workspaceName }: { token: string; workspaceName: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const accept = useMutation(
    trpc.invitation.accept.mutationOptions({
      onSuccess: ({ workspaceSlug }) => router.push(`/w/${workspaceSlug}`),
    }),
  );
  return (
    <div className="flex flex-col gap-3">
      {accept.error ? <Alert tone="danger">{accept.error.message}</Alert> : null}
      <Button
        size="lg"
        className="w-full"
        onClick={() => accept.mutate({ token })}
        loading={accept.isPending || accept.isSuccess}
        trailingIcon={accept.isPending || accept.isSuccess ? undefined : <IconArrowRight />}
      >
        {accept.isSuccess ? `Opening ${workspaceName}…` : "Accept invitation"}
      </Button>
    </div>
  );
}
