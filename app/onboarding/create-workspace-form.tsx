"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useDeferredValue, useRef, useState } from "react";
import { Alert, Button, Input } from "@/app/_components/ui";
import { useTypedBeforeHydration } from "@/app/_lib/typed-before-hydration";
import { useFormKey } from "@/app/_lib/form-key";
import { useTRPC } from "@/app/_lib/trpc";
import { slugify } from "@/server/features/workspaces/schemas";

type FieldErrors = Partial<Record<"name" | "slug", string>>;

export function CreateWorkspaceForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const { idempotencyKey } = useFormKey();
  const effectiveSlug = slugEdited ? slug : slugify(name);
  // This page is where a sign-in link lands: people may type before it has hydrated.
  const nameInput = useRef<HTMLInputElement>(null);
  const slugInput = useRef<HTMLInputElement>(null);
  useTypedBeforeHydration(nameInput, setName);
  useTypedBeforeHydration(slugInput, (typed) => {
    setSlugEdited(true);
    setSlug(typed.toLowerCase());
  });
  const deferredSlug = useDeferredValue(effectiveSlug);
  const availability = useQuery({ ...trpc.workspace.slugAvailable.queryOptions({ slug: deferredSlug }), enabled: deferredSlug.length > 0 });
  const create = useMutation(
    trpc.workspace.create.mutationOptions({
      onSuccess: (ws) => router.push(`/w/${ws.slug}`),
    }),
  );
  const fieldErrors: FieldErrors = {};
  const zodErrors = create.error?.data?.zodError?.fieldErrors as Record<string, string[] | undefined> | undefined;
  if (zodErrors?.name?.[0]) fieldErrors.name = zodErrors.name[0];
  if (zodErrors?.slug?.[0]) fieldErrors.slug = zodErrors.slug[0];
  const slugProblem = availability.data && !availability.data.available ? availability.data.reason : null;

  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (create.isPending || create.isSuccess) return;
        create.mutate({ name, slug: effectiveSlug, idempotencyKey });
      }}
    >
      <Input
        label="Workspace name"
        name="name"
        ref={nameInput}
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="Acme Engineering"
        error={fieldErrors.name}
        maxLength={80}
        autoFocus
        required
      />
      <Input
        label="URL"
        name="slug"
        ref={slugInput}
        value={effectiveSlug}
        onChange={(e) => {
          setSlugEdited(true);
          setSlug(e.target.value.toLowerCase());
        }}
        hint={
          slugProblem
            ? undefined
            : effectiveSlug
              ? `Your workspace will live at /w/${effectiveSlug}`
              : "Lowercase letters, digits and hyphens."
        }
        error={fieldErrors.slug ?? slugProblem ?? undefined}
        required
      />
      {create.error && !zodErrors ? <Alert tone="danger">{create.error.message}</Alert> : null}
      <Button type="submit" className="w-full" loading={create.isPending || create.isSuccess}>
        Create workspace
      </Button>
    </form>
  );
}
