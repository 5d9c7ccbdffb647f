import { enrollRequest } from "@jace/gpu-runner/protocol";
import { readText } from "@/server/api/rest-input";
import { getDb } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError, errorResponse, newRequestId } from "@/server/errors";
import { logger } from "@/server/logger";
import { enrollRunner } from "@/server/runners/enrollment";

const MAX_BODY_BYTES = 64 * 1024;

/** POST /api/runners/enroll: `jace-runner enroll` trades a one-time token for a runner identity. */
export async function POST(req: Request): Promise<Response> {
  const requestId = req.headers.get("x-request-id") ?? newRequestId();
  const log = logger.child({ requestId, route: "runners.enroll" });
  try {
    // Counts the bytes as they arrive and stops past the limit: req.text() would buffer a body of
    // any size (chunked, or with a lying content-length) before it could be refused.
    const body = await readText(req, MAX_BODY_BYTES);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new AppError("BAD_REQUEST", "Body must be JSON.");
    }
    const parsed = enrollRequest.safeParse(json);
    if (!parsed.success) {
      throw new AppError(
        "BAD_REQUEST",
        `Invalid enrollment request: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    }
    const ip = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() ?? null;
    const result = await enrollRunner(getDb(), parsed.data, ip, getEnv().appUrl);
    log.info({ runnerId: result.runnerId }, "runner enrolled");
    return Response.json(result, { status: 201 });
  } catch (error) {
    const response = errorResponse(error, requestId, (err) => log.error({ err }, "enrollment failed"));
    if (response.status < 500) log.warn({ status: response.status }, "enrollment refused");
    return response;
  }
}
