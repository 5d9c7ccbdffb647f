import { loadEnrollment } from "../config";
import { exitCodes } from "../errors";
import { checkServer, configDirOption, parseCommandArgs, table, type Io } from "./shared";

export const statusHelp = `Usage: jace-runner status [--config-dir DIR]

Shows this machine's enrollment and whether the Jace app is reachable from here.
Exits 1 when the server cannot be reached, 78 when the machine is not enrolled.
`;

export async function statusCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs("status", args, { ...configDirOption });
  if (values.help) {
    io.out(statusHelp);
    return exitCodes.ok;
  }
  const { file, settings, configPath, warnings } = loadEnrollment({ configDirFlag: values["config-dir"], env: io.env });
  const reach = await checkServer(settings.server);
  io.out(
    table([
      ["Runner", `${file.name} (${file.runnerId})`],
      ["Workspace", `${file.workspace.name} (${file.workspace.slug})`],
      ["Server", reach.ok ? `${settings.server}: ${reach.detail}` : reach.detail],
      ["Labels", settings.labels.join(", ") || "(none)"],
      ["Max jobs", String(settings.maxJobs)],
      ["Models", settings.modelsDir],
      ["Config", configPath],
      ["Enrolled", file.enrolledAt],
    ]),
  );
  for (const warning of warnings) io.err(`warning: ${warning}\n`);
  return reach.ok ? exitCodes.ok : exitCodes.failure;
}
