"use client";
import { useActionState } from "react";
import { Alert, Button, Input } from "@/app/_components/ui";
import { signInWithEmail, type SignInState } from "./actions";

export function SignInForm({ callbackUrl }: { callbackUrl: string }) {
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
        defaultValue={state.email}
        error={state.error}
        autoFocus
        required
      />
      <Button type="submit" className="w-full" loading={pending}>
        Email me a sign-in link
      </Button>
      {state.error && !state.email ? <Alert tone="danger">{state.error}</Alert> : null}
    </form>
  );
}
