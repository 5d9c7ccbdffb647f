import { defineConfig } from "prisma/config";

// The datasource URL lives here in Prisma 7. Commands that need no database (generate) work
// without it; the app and the migration tooling take DATABASE_URL from server/env.ts.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/unused" },
});
