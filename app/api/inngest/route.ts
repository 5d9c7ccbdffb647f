import { serve } from "inngest/next";
import { getInngest } from "@/inngest/client";
import { createFunctions } from "@/inngest/functions";

/**
 * Jace's step functions, served to whichever Inngest runs them (Cloud, self-hosted, the dev
 * server or the embedded executor). Requests are signature-checked by the SDK in every mode but
 * the dev server's.
 */
export const dynamic = "force-dynamic";

type Handlers = ReturnType<typeof serve>;
let handlers: Handlers | undefined;
const get = () => (handlers ??= serve({ client: getInngest(), functions: createFunctions(getInngest()) }));

export const GET = (req: Request, ctx: unknown) => get().GET(req as never, ctx);
export const POST = (req: Request, ctx: unknown) => get().POST(req as never, ctx);
export const PUT = (req: Request, ctx: unknown) => get().PUT(req as never, ctx);
