"use client";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Alert, Button, Card, CardBody, CardHeader, PageHeader } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";

/** The one-click link from Slack: the signed-in member confirms they are that Slack user. */
export function LinkSlackAccount() {
  const trpc = useTRPC();
  const { slug, name } = useWorkspace();
  const token = useSearchParams().get("token") ?? "";
  const link = useMutation(trpc.integration.linkSlackUser.mutationOptions());
  return (
    <>
      <PageHeader title="Link your Slack account" description={`Use /jace in Slack as yourself in ${name}.`} />
      <Card className="mt-8 max-w-xl">
        <CardHeader title="Confirm" description="Your Slack user will act with your role in this workspace." />
        <CardBody className="flex flex-col gap-4">
          {link.isSuccess ? (
            <Alert tone="success">
              Linked to {link.data.teamName}. Go back to Slack and run your command again.{" "}
              <Link href={`/w/${slug}/integrations`}>Integrations</Link>
            </Alert>
          ) : (
            <>
              {link.error ? <Alert tone="danger">{link.error.message}</Alert> : null}
              <div>
                <Button disabled={!token} loading={link.isPending} onClick={() => link.mutate({ workspaceSlug: slug, token })}>
                  Link my Slack account
                </Button>
              </div>
            </>
          )}
        </CardBody>
      </Card>
    </>
  );
}
