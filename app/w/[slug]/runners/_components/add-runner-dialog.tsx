"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Alert, Button, cx, Dialog, IconArrowRight, IconCheck, IconCopy, IconRefresh, Input, Spinner } from "@/app/_components/ui";
import { useFormKey } from "@/app/_lib/form-key";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";
import { formatTime } from "./format";
import { parseLabels } from "./labels";
import { useNow } from "./live";

type Enrollment = RouterOutputs["runner"]["createEnrollmentToken"];

/**
 * Enrolling a runner in one dialog: optional labels, then the one-time command, then a live wait
 * until the machine uses it. The command lives only in this component's state (the caller unmounts
 * it on close), as it carries a secret.
 */
export function AddRunnerDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const [labelsText, setLabelsText] = useState("");
  const [touched, setTouched] = useState(false);
  const parsed = parseLabels(labelsText);
  // Kept apart from the mutation's data so the command stays on screen while a new one is created.
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const create = useMutation(trpc.runner.createEnrollmentToken.mutationOptions({ onSuccess: setEnrollment }));
  const labelError = touched ? parsed.error : null;
  const { idempotencyKey, renew } = useFormKey();

  function submit() {
    setTouched(true);
    if (parsed.error || create.isPending) return;
    create.mutate({ workspaceSlug: slug, labels: parsed.labels, idempotencyKey });
  }

  if (enrollment) {
    return (
      <EnrollmentDialog
        key={enrollment.tokenId}
        enrollment={enrollment}
        onClose={onClose}
        // A new command is a new request (the old one expired or was used), so a new key.
        onRenew={() => {
          if (!create.isPending) create.mutate({ workspaceSlug: slug, labels: parsed.labels, idempotencyKey: renew() });
        }}
        renewing={create.isPending}
        renewError={create.error?.message ?? null}
      />
    );
  }

  return (
    <Dialog
      open
      onClose={create.isPending ? () => {} : onClose}
      title="Add a runner"
      description="A runner is a machine of yours, such as a PC with an RTX 2070 or a rented GPU box, that runs this workspace's models and sandboxed commands. It connects out to Jace, so it needs no open port."
      size="lg"
      closeOnBackdrop={false}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" form="add-runner" loading={create.isPending}>
            Create command
          </Button>
        </>
      }
    >
      <form
        id="add-runner"
        noValidate
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Input
          label="Labels"
          optional
          value={labelsText}
          onChange={(e) => setLabelsText(e.target.value)}
          onBlur={() => setTouched(true)}
          error={labelError}
          hint="Comma-separated, e.g. home, rtx-2070. Jobs can ask for runners with a label. Lowercase letters, digits, dots, dashes and underscores."
          placeholder="home, rtx-2070"
          autoComplete="off"
          spellCheck={false}
          autoFocus
        />
        {create.error ? <Alert tone="danger">{create.error.message}</Alert> : null}
      </form>
    </Dialog>
  );
}

type EnrollmentDialogProps = {
  enrollment: Enrollment;
  onClose: () => void;
  onRenew: () => void;
  renewing: boolean;
  renewError: string | null;
};

function EnrollmentDialog({ enrollment, onClose, onRenew, renewing, renewError }: EnrollmentDialogProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const now = useNow(10_000);
  // Lifetime as granted by the server (60 minutes today), measured once when the command arrives.
  const [lifetimeMinutes] = useState(() => Math.max(1, Math.round((enrollment.expiresAt.getTime() - Date.now()) / 60_000)));
  const minutesLeft = Math.ceil((enrollment.expiresAt.getTime() - now) / 60_000);
  const status = useQuery(
    trpc.runner.enrollmentStatus.queryOptions(
      { workspaceSlug: slug, tokenId: enrollment.tokenId },
      {
        // Poll until the runner is online (it enrolls first, then connects) or the token lapses.
        refetchInterval: (q) => {
          const d = q.state.data;
          if (d?.expired) return false;
          if (d?.runner && d.runner.status !== "offline") return false;
          return 2_000;
        },
        staleTime: 0,
      },
    ),
  );
  const runner = status.data?.runner ?? null;
  const expired = !runner && (status.data?.expired ?? false);
  const online = runner?.status === "online" || runner?.status === "busy";

  // The list behind the dialog picks the new runner up on its own poll; this makes it immediate.
  const runnerState = runner ? `${runner.id}:${runner.status}` : null;
  useEffect(() => {
    if (runnerState) void queryClient.invalidateQueries({ queryKey: trpc.runner.list.queryKey() });
  }, [runnerState, queryClient, trpc]);

  const footer = runner ? (
    <>
      <Button variant="secondary" onClick={onClose}>
        Close
      </Button>
      <Button href={`/w/${slug}/runners/${runner.id}`} trailingIcon={<IconArrowRight />}>
        View runner
      </Button>
    </>
  ) : expired ? (
    <>
      <Button variant="secondary" onClick={onClose} disabled={renewing}>
        Close
      </Button>
      <Button leadingIcon={<IconRefresh />} onClick={onRenew} loading={renewing}>
        Create a new command
      </Button>
    </>
  ) : (
    <Button variant="secondary" onClick={onClose}>
      Close
    </Button>
  );

  return (
    <Dialog open onClose={onClose} title={runner ? "Runner added" : "Add a runner"} size="lg" closeOnBackdrop={false} footer={footer}>
      {runner ? (
        <div className="flex flex-col gap-4" data-testid="enroll-result">
          <Alert tone={online ? "success" : "info"} title={online ? `${runner.name} enrolled — online` : `${runner.name} enrolled`}>
            {online ? (
              "It is connected and ready for jobs. Rename it or edit its labels on its page."
            ) : (
              <span className="inline-flex items-center gap-2">
                <Spinner size={14} /> Waiting for it to start and connect…
              </span>
            )}
          </Alert>
        </div>
      ) : (
        <div className="flex flex-col gap-5">
          <section className="flex flex-col gap-2">
            <h3 className="text-sm font-medium text-ink">Run this on the machine</h3>
            <CommandBlock command={enrollment.command} dimmed={expired} />
            <p className="text-[13px] leading-5 text-ink-subtle">
              {expired ? (
                "This command has expired."
              ) : (
                <>
                  Valid for {lifetimeMinutes} minutes, single use (until {formatTime(enrollment.expiresAt)}
                  {minutesLeft <= 10 ? `, ${minutesLeft <= 1 ? "under a minute" : `${minutesLeft} minutes`} left` : ""}). It contains a
                  secret: do not share it.
                </>
              )}
            </p>
          </section>

          {expired ? (
            <Alert tone="warning" title="The command expired before a runner used it">
              {renewError ?? `Commands are valid for ${lifetimeMinutes} minutes. Create a new one and run it on the machine.`}
            </Alert>
          ) : (
            <div role="status" className="flex gap-3 rounded-lg border border-accent-200 bg-accent-50 px-4 py-3 text-accent-700">
              <Spinner size={16} className="mt-0.5" />
              <div className="text-sm">
                <p className="font-medium">Waiting for the runner to connect…</p>
                <p className="mt-0.5 text-[13px] text-accent-700/80">
                  {status.isError
                    ? `Could not check just now (${status.error.message}). Trying again…`
                    : "This updates by itself. If you close it, the command stays valid and the runner still shows up in the list."}
                </p>
              </div>
            </div>
          )}

          <section className="rounded-lg border border-line bg-subtle/60 px-4 py-3">
            <h3 className="text-[13px] font-medium text-ink">On the machine</h3>
            <ul className="mt-1.5 list-disc space-y-1 pl-4 text-[13px] leading-5 text-ink-muted">
              <li>It needs Node.js 20.19 or newer and jace-runner installed.</li>
              <li>
                Run <Code>jace-runner doctor</Code> to check llama.cpp, the GPU, drivers, VRAM and bubblewrap; it gives a hint for each
                problem.
              </li>
              <li>
                Install <Code>bubblewrap</Code> (<Code>sudo apt-get install -y bubblewrap</Code>) to take sandboxed command jobs; without it
                the runner does inference only.
              </li>
              <li>It opens an outbound connection to Jace. No port forwarding or firewall rule is needed.</li>
            </ul>
          </section>
        </div>
      )}
    </Dialog>
  );
}

function Code({ children }: { children: string }) {
  return <code className="rounded bg-zinc-200/60 px-1 py-px font-mono text-[12px] text-ink">{children}</code>;
}

function CommandBlock({ command, dimmed }: { command: string; dimmed: boolean }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(command);
      setCopied("yes");
    } catch {
      // Clipboard access can be denied (insecure origin, permissions); select the text for a manual copy.
      const el = document.querySelector('[data-testid="enroll-command"]');
      if (el) window.getSelection()?.selectAllChildren(el);
      setCopied("failed");
    }
  }

  return (
    <div className="flex flex-col gap-1.5">
      <div className={cx("overflow-hidden rounded-lg bg-zinc-900", dimmed && "opacity-50")}>
        <div className="flex items-center justify-between border-b border-white/10 py-1.5 pr-1.5 pl-4">
          <span className="text-xs font-medium text-zinc-400">Shell</span>
          <button
            type="button"
            onClick={copy}
            disabled={dimmed}
            className="inline-flex h-7 items-center gap-1.5 rounded-md px-2.5 text-xs font-medium text-zinc-200 transition-colors hover:bg-white/10 hover:text-white focus-visible:outline-2 focus-visible:outline-white/60 disabled:pointer-events-none"
          >
            {copied === "yes" ? <IconCheck size={14} /> : <IconCopy size={14} />}
            {copied === "yes" ? "Copied" : "Copy command"}
          </button>
        </div>
        <pre className="px-4 py-3 font-mono text-[12.5px] leading-5 whitespace-pre-wrap text-zinc-100 wrap-anywhere">
          <code data-testid="enroll-command">{command}</code>
        </pre>
      </div>
      <p role="status" className="text-[13px] leading-5 text-ink-subtle empty:hidden">
        {copied === "yes"
          ? "Copied to the clipboard."
          : copied === "failed"
            ? "Could not reach the clipboard. The command is selected: press Ctrl+C (⌘C on a Mac)."
            : null}
      </p>
    </div>
  );
}
