import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { build } from "esbuild";

/**
 * `npm run build`, after `next build`: compiles the app process (server/main.ts and what it imports
 * from server/, inngest/, prisma/tools/ and the runner protocol) into one ES module, dist/main.mjs,
 * which `npm start` runs with plain node. Running the TypeScript through tsx in production kept
 * its loader and esbuild's transform cache in memory for the life of the process. npm packages
 * stay external (loaded from node_modules as usual); the workspace package @jace/gpu-runner ships
 * TypeScript source, so it is bundled. dist/main.mjs sits one level below the project root, as
 * server/main.ts does, so paths it resolves relative to itself stay the same.
 */
const root = resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => !name.startsWith("@jace/"));

const result = await build({
  absWorkingDir: root,
  entryPoints: ["server/main.ts"],
  outfile: "dist/main.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // React Email templates are TSX; tsconfig's "react-jsx" is Next's, esbuild needs it spelled out.
  jsx: "automatic",
  external,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
process.stdout.write(`server: dist/main.mjs (${Math.round(bytes / 1024)} KB with its source map)\n`);
