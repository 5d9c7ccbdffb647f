"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Card, CardBody, CardHeader, IconSend, Input, Select } from "@/app/_components/ui";
import { useFormKey } from "@/app/_lib/form-key";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "../../../_components/workspace-context";
import { fieldErrorsOf, formErrorOf } from "../../_components/form-errors";
import { roleHint, roleOptions, type Role } from "./roles";

export function InviteForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, role: myRole } = useWorkspace();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { idempotencyKey, renew } = useFormKey();
  const invite = useMutation(
    trpc.member.invite.mutationOptions({
      onSuccess: async (_data, input) => {
        setSentTo(input.email.trim().toLowerCase());
        setEmail("");
        setRole("member");
        renew();
        await queryClient.invalidateQueries({ queryKey: trpc.member.invitations.queryKey() });
      },
    }),
  );
  const errors = fieldErrorsOf(invite.error);
  const formError = formErrorOf(invite.error, ["email", "role"]);

  return (
    <Card>
      <CardHeader
        title="Invite a teammate"
        description="They get an email with a link to join. The link works for 7 days; inviting the same address again sends a fresh one."
      />
      <CardBody>
        <form
          noValidate
          className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_11rem_auto] sm:items-start"
          onSubmit={(e) => {
            e.preventDefault();
            if (invite.isPending) return;
            setSentTo(null);
            invite.mutate({ workspaceSlug: slug, email, role, idempotencyKey });
          }}
        >
          <Input
            label="Email address"
            type="email"
            autoComplete="off"
            placeholder="teammate@company.com"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={errors.email}
            maxLength={254}
            required
          />
          <Select
            label="Role"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            options={roleOptions(myRole)}
            error={errors.role}
          />
          <Button type="submit" loading={invite.isPending} leadingIcon={<IconSend />} className="sm:mt-6.5">
            Invite
          </Button>
        </form>
        <p className="mt-3 text-[13px] leading-5 text-ink-subtle">{roleHint}</p>
        {formError ? (
          <Alert tone="danger" className="mt-4">
            {formError}
          </Alert>
        ) : null}
        {sentTo && !invite.error ? (
          <Alert tone="success" className="mt-4">
            Invitation sent to {sentTo}.
          </Alert>
        ) : null}
      </CardBody>
    </Card>
  );
}
