"use client";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTRPC, type RouterOutputs } from "@/app/_lib/trpc";
import { useWorkspace } from "../../_components/workspace-context";

export type BillingOverview = RouterOutputs["billing"]["overview"];
export type PlanId = BillingOverview["plan"]["id"];

/** Sends the browser to a Stripe page. The button stays busy until the page is gone, and is reset if the user comes back with Back. */
function useRedirect() {
  const [redirecting, setRedirecting] = useState(false);
  useEffect(() => {
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted) setRedirecting(false);
    };
    window.addEventListener("pageshow", onShow);
    return () => window.removeEventListener("pageshow", onShow);
  }, []);
  return {
    redirecting,
    go: (url: string) => {
      setRedirecting(true);
      window.location.assign(url);
    },
  };
}

export type PortalAction = { open: () => void; pending: boolean; error: string | null; dismiss: () => void };

/** The Stripe Billing Portal: payment methods, receipts, cancellation (which is how a paid plan goes back to Free). */
export function usePortal(): PortalAction {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const { redirecting, go } = useRedirect();
  const portal = useMutation(trpc.billing.portal.mutationOptions({ onSuccess: ({ url }) => go(url) }));
  return {
    open: () => portal.mutate({ workspaceSlug: slug }),
    pending: portal.isPending || redirecting,
    error: portal.error?.message ?? null,
    dismiss: () => portal.reset(),
  };
}

export type ChangePlanAction = {
  change: (plan: PlanId) => void;
  /** The plan being bought or switched to, while the request (or the redirect to Checkout) is under way. */
  pendingPlan: PlanId | null;
  error: { plan: PlanId; message: string } | null;
  /** Set when the subscription was changed in place (no Checkout needed). */
  updated: PlanId | null;
};

export function useChangePlan(onUpdated: (plan: PlanId) => void): ChangePlanAction {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const { redirecting, go } = useRedirect();
  const mutation = useMutation(
    trpc.billing.changePlan.mutationOptions({
      onSuccess: (result) => {
        if (result.kind === "redirect") go(result.url);
        else onUpdated(result.plan);
      },
    }),
  );
  const target = mutation.variables?.plan ?? null;
  return {
    change: (plan) => mutation.mutate({ workspaceSlug: slug, plan }),
    pendingPlan: mutation.isPending || redirecting ? target : null,
    error: mutation.isError && target ? { plan: target, message: mutation.error.message } : null,
    updated: mutation.data?.kind === "updated" ? mutation.data.plan : null,
  };
}
