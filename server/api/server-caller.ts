import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { currentUser } from "../auth";
import { getDb } from "../db";
import { newRequestId } from "../errors";
import { logger } from "../logger";
import { createCaller } from "./root";
import type { Context } from "./context";

/** Builds the tRPC context for a request from its session and headers. */
export async function contextFromHeaders(h: Headers): Promise<Context> {
  const user = await currentUser();
  const requestId = h.get("x-request-id") ?? newRequestId();
  const ip = h.get("x-forwarded-for")?.split(",")[0]?.trim() ?? h.get("x-real-ip") ?? null;
  return {
    db: getDb(),
    session: user ? { userId: user.id, email: user.email, name: user.name } : null,
    requestId,
    ip,
    log: logger.child({ requestId, userId: user?.id }),
  };
}

/** tRPC caller for server components: the same procedures, checks and errors as the HTTP API. */
export const api = cache(async () => createCaller(await contextFromHeaders(await headers())));
