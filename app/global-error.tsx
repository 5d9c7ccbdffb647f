"use client";

import "./globals.css";

// Replaces the root layout when it fails, so it brings its own <html>, styles and no Providers:
// anything here must work even if the app around it is broken.
export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && "digest" in error && typeof error.digest === "string" ? error.digest : undefined;

  return (
    <html lang="en">
      <body className="min-h-dvh bg-canvas font-sans text-ink antialiased">
        <title>Something went wrong · Jace</title>
        <main className="flex min-h-dvh flex-col items-center justify-center px-6 py-16 text-center">
          <svg viewBox="0 0 32 32" width="36" height="36" aria-hidden="true" className="mb-10">
            <rect width="32" height="32" rx="8" fill="#6d4aed" />
            <path d="M19.5 9.5v9a5 5 0 0 1-10 0" fill="none" stroke="#fff" strokeWidth="3.2" strokeLinecap="round" />
            <circle cx="12" cy="10" r="2.4" fill="#fff" fillOpacity="0.7" />
          </svg>
          <h1 className="text-3xl font-semibold tracking-tight">Something went wrong</h1>
          <p className="mt-3 max-w-md text-[15px] leading-7 text-ink-muted">
            Jace hit an unexpected error while loading this page. Your tasks keep running on the server; try again, and if it keeps
            happening, send us the reference below.
          </p>
          {digest ? <p className="mt-4 rounded-md bg-zinc-100 px-2.5 py-1 font-mono text-xs text-ink-muted">Reference: {digest}</p> : null}
          <div className="mt-8 flex flex-wrap justify-center gap-3">
            <button
              type="button"
              onClick={() => retry()}
              className="inline-flex h-9 items-center rounded-lg bg-accent-600 px-3.5 text-sm font-medium text-white shadow-sm hover:bg-accent-700"
            >
              Try again
            </button>
            {/* eslint-disable-next-line @next/next/no-html-link-for-pages -- a full page load recovers even when client routing is what broke */}
            <a
              href="/"
              className="inline-flex h-9 items-center rounded-lg border border-line-strong bg-surface px-3.5 text-sm font-medium text-ink shadow-sm hover:bg-subtle"
            >
              Back to home
            </a>
          </div>
        </main>
      </body>
    </html>
  );
}
