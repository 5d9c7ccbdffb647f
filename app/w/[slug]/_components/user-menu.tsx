import { IconLogout } from "@/app/_components/ui";
import { signOut } from "@/server/auth";

export function UserMenu({ email, name }: { email: string; name: string | null }) {
  async function doSignOut() {
    "use server";
    await signOut({ redirectTo: "/" });
  }
  return (
    <div className="flex items-center gap-2 rounded-lg px-2 py-2">
      <span
        className="flex size-8 shrink-0 items-center justify-center rounded-full bg-zinc-200 text-xs font-semibold text-zinc-700"
        aria-hidden
      >
        {(name ?? email).slice(0, 1).toUpperCase()}
      </span>
      <span className="min-w-0 flex-1">
        {name ? <span className="block truncate text-sm font-medium">{name}</span> : null}
        <span className="block truncate text-xs text-ink-muted" data-testid="current-user">
          {email}
        </span>
      </span>
      <form action={doSignOut}>
        <button
          type="submit"
          className="rounded-md p-1.5 text-ink-muted outline-none hover:bg-zinc-100 hover:text-ink focus-visible:ring-2 focus-visible:ring-accent-500"
          aria-label="Sign out"
          title="Sign out"
        >
          <IconLogout className="size-4" />
        </button>
      </form>
    </div>
  );
}
