import { Button, IconArrowRight } from "@/app/_components/ui";

export function FinalCallToAction() {
  return (
    <section aria-labelledby="cta-title">
      <div className="mx-auto max-w-6xl px-5 py-20 sm:px-8 sm:py-24">
        <div className="relative overflow-hidden rounded-3xl bg-accent-950 px-6 py-14 text-center sm:px-12 sm:py-16">
          <div
            aria-hidden="true"
            className="pointer-events-none absolute inset-0 bg-[radial-gradient(40rem_20rem_at_50%_-20%,var(--color-accent-600),transparent_70%)] opacity-70"
          />
          <div className="relative">
            <h2 id="cta-title" className="text-3xl font-semibold tracking-tight text-balance text-white sm:text-4xl">
              Put your own GPU to work
            </h2>
            <p className="mx-auto mt-4 max-w-xl text-[17px] leading-8 text-accent-100">
              Create a workspace, connect Slack, enroll the PC under your desk. Your first task can run this afternoon.
            </p>
            <div className="mt-9 flex flex-wrap justify-center gap-3">
              {/* Inverse colours on the dark band; `!` because class order does not pick the winning utility. */}
              <Button
                href="/signin"
                size="lg"
                className="bg-white! text-accent-900! hover:bg-accent-50! active:bg-accent-100!"
                trailingIcon={<IconArrowRight size={18} />}
              >
                Get started
              </Button>
              <Button href="/signin" size="lg" variant="ghost" className="text-white! ring-1 ring-white/25 hover:bg-white/10!">
                Sign in
              </Button>
            </div>
          </div>
        </div>
      </div>
    </section>
  );
}
