"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Alert, Button, Card, CardBody, CardHeader, PageHeader, Skeleton } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";

/**
 * The page a Slack user Jace does not know is sent to. It names the Slack user and team and what
 * linking means, and gives the signed-in member a one-time code that only that Slack user can
 * type in Slack: opening someone else's link links nobody.
 */
export function LinkSlackAccount() {
  const trpc = useTRPC();
  const { slug, name } = useWorkspace();
  const token = useSearchParams().get("token") ?? "";
  const request = useQuery({
    ...trpc.integration.slackLinkRequest.queryOptions({ workspaceSlug: slug, token }),
    enabled: token.length >= 10,
  });
  const start = useMutation(trpc.integration.startSlackLink.mutationOptions());
  const who = request.data
    ? request.data.slackUserName
      ? `@${request.data.slackUserName} (${request.data.slackUserId})`
      : request.data.slackUserId
    : "";
  return (
    <>
      <PageHeader title="Link a Slack account" description={`Use /jace in Slack as yourself in ${name}.`} />
      <Card className="mt-8 max-w-xl">
        <CardHeader title="Confirm who you are in Slack" />
        <CardBody className="flex flex-col gap-4 text-sm">
          {!token ? (
            <Alert tone="danger">This page needs the link Jace gave you in Slack. Run a /jace command there for a new one.</Alert>
          ) : request.isPending ? (
            <div aria-busy="true" aria-label="Loading the link" className="flex flex-col gap-2">
              <Skeleton className="h-4 w-64" />
              <Skeleton className="h-4 w-48" />
            </div>
          ) : request.isError ? (
            <Alert tone="danger">{request.error.message}</Alert>
          ) : request.data.linked === "you" ? (
            <Alert tone="success">
              The Slack account {who} in {request.data.teamName} is already linked to you.{" "}
              <Link href={`/w/${slug}/integrations`}>Integrations</Link>
            </Alert>
          ) : request.data.linked === "other" ? (
            <Alert tone="danger">
              The Slack account {who} in {request.data.teamName} is already linked to another member, and a link is never replaced. An admin
              can remove the old link on the Integrations page.
            </Alert>
          ) : start.isSuccess ? (
            <div className="flex flex-col gap-3">
              <p>
                In Slack, in <strong>{request.data.teamName}</strong>, signed in as <strong>{who}</strong>, type:
              </p>
              <code className="rounded bg-subtle px-3 py-2 text-base text-ink">
                /jace link {start.data.code.slice(0, 4)} {start.data.code.slice(4)}
              </code>
              <p className="text-ink-muted">
                The code works once, only for that Slack account, until {start.data.expiresAt.toLocaleTimeString()}. Never send it to
                anyone: whoever types it as that Slack account acts as you.
              </p>
            </div>
          ) : (
            <>
              <p>
                You are about to link the Slack account <strong>{who}</strong> in the Slack workspace{" "}
                <strong>{request.data.teamName}</strong> to your Jace account <strong>{request.data.email}</strong>.
              </p>
              <p>
                Once linked, everything that Slack account does with <code>/jace</code> (ask, test, approve, reject, cancel) is done as you,
                with your role in {name} ({request.data.role}).
              </p>
              <Alert tone="warning">
                Only continue if that Slack account is yours. If someone sent you this link, stop here: finishing it would let their Slack
                account act as you.
              </Alert>
              {start.error ? <Alert tone="danger">{start.error.message}</Alert> : null}
              <div>
                <Button loading={start.isPending} onClick={() => start.mutate({ workspaceSlug: slug, token })}>
                  It is mine: get a code to type in Slack
                </Button>
              </div>
            </>
          )}
        </CardBody>
      </Card>
    </>
  );
}
