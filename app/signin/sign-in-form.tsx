"use client";
import { useActionState } from "react";
import { Alert, Button, Input } from "@/app/_components/ui";
import { signInWithEmail, type SignInState } from "./actions";

/** A bad address is said once, under the field; a failure to send (not the address's fault) once, below. */
export function SignInForm({ callbackUrl, defaultEmail }: { callbackUrl: string; defaultEmail?: string }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signInWithEmail, {});
  return (
    <form action={action} className="space-y-4" noValidate>
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <Input
        label="Work email"
        name="email"
        type="email"
        autoComplete="email"
        placeholder="you@company.com"
        defaultValue={state.email ?? defaultEmail}
        error={state.fieldError}
        autoFocus
        required
      />
      <Button type="submit" className="w-full" loading={pending}>
        Email me a sign-in link
      </Button>
      {state.formError ? <Alert tone="danger">{state.formError}</Alert> : null}
    </form>
  );
}
