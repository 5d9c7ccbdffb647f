import { z } from "zod";
import { AppError } from "@/server/errors";
import { getArtifact } from "@/server/features/tasks/tasks";
import { withWorkspaceMember } from "../../../_lib/workspace-route";

export const dynamic = "force-dynamic";

const artifactId = z.string().min(1).max(64);

/** `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987). */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * GET /api/w/[slug]/artifacts/[artifactId]: downloads a file a task produced. Always an
 * attachment in a sandbox, so an HTML or SVG artifact can never run in the app's origin.
 */
export const GET = withWorkspaceMember<{ slug: string; artifactId: string }>("workspace.read", async (_req, { db, workspace, params }) => {
  const id = artifactId.safeParse(params.artifactId);
  if (!id.success) throw new AppError("NOT_FOUND", "Artifact not found in this workspace.");
  const artifact = await getArtifact(db, workspace.id, id.data);
  return new Response(new Uint8Array(artifact.content), {
    headers: {
      "content-type": artifact.contentType,
      "content-length": String(artifact.content.length),
      "content-disposition": contentDisposition(artifact.name),
      "cache-control": "private, no-store",
      "content-security-policy": "sandbox",
      "x-content-type-options": "nosniff",
    },
  });
});
