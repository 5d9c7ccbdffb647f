/**
 * Creates a demo workspace for local use: `npm run db:seed`. Uses DATABASE_URL when set, else the
 * embedded database (running or not). Idempotent. Sign in as demo@jace.local to use it.
 */
import { applyMigrations } from "@/prisma/tools/migrations";
import { createDb } from "@/server/db";
import { openLocalDatabase } from "@/server/local-database";
import { logger } from "@/server/logger";

const email = "demo@jace.local";
const slug = "demo";

async function main() {
  const handle = await openLocalDatabase(logger);
  await applyMigrations(handle.url);
  const db = createDb(handle.url);
  const user = await db.user.upsert({ where: { email }, update: {}, create: { email, name: "Demo User", emailVerified: new Date() } });
  const workspace = await db.workspace.upsert({ where: { slug }, update: {}, create: { slug, name: "Demo Workspace" } });
  await db.membership.upsert({
    where: { workspaceId_userId: { workspaceId: workspace.id, userId: user.id } },
    update: {},
    create: { workspaceId: workspace.id, userId: user.id, role: "owner" },
  });
  for (const [name, description] of [
    ["Website", "Marketing site and landing pages"],
    ["API", "The public REST API: tests on every change"],
  ] as const) {
    await db.project.upsert({
      where: { workspaceId_name: { workspaceId: workspace.id, name } },
      update: {},
      create: { workspaceId: workspace.id, name, description },
    });
  }
  await db.auditEvent.create({
    data: {
      workspaceId: workspace.id,
      actorType: "system",
      actorLabel: "seed",
      action: "workspace.seeded",
      targetType: "workspace",
      targetId: workspace.id,
    },
  });
  console.log(`Seeded workspace "${workspace.name}" at /w/${slug}. Sign in as ${email}.`);
  await db.$disconnect();
  await handle.release();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
