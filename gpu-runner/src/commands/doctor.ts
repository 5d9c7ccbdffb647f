import { readRunnerFile, resolveSettings } from "../config";
import { exitCodes } from "../errors";
import { doctorReport, type DoctorCheck } from "../gpu";
import { checkServer, configDirFrom, configDirOption, parseCommandArgs, settingsFlags, settingsOptions, type Io } from "./shared";

export const doctorHelp = `Usage: jace-runner doctor [--config-dir DIR] [--models-dir DIR] [--server URL] [--gpu KIND]

Checks what the runner needs: llama.cpp and the GPU, the bubblewrap sandbox, the models
directory, the enrollment and the server. Prints a hint for each problem. Exits 1 when a
required check fails (llama.cpp, models directory, server); the others are warnings.
`;

/** Without these the runner cannot work at all; the rest only limits what it can run. */
const required = new Set(["llama.cpp", "models directory", "server"]);

export async function doctorCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs("doctor", args, { ...configDirOption, ...settingsOptions });
  if (values.help) {
    io.out(doctorHelp);
    return exitCodes.ok;
  }
  const configDir = configDirFrom(values, io);
  const checks: DoctorCheck[] = [];
  let file = null;
  try {
    file = readRunnerFile(configDir);
    checks.push(
      file
        ? { name: "enrollment", ok: true, detail: `${file.name} (${file.runnerId}) in ${file.workspace.name}`, hint: null }
        : {
            name: "enrollment",
            ok: false,
            detail: `not enrolled (no runner.json in ${configDir})`,
            hint: "jace-runner enroll --server URL --token TOKEN",
          },
    );
  } catch (error) {
    checks.push({ name: "enrollment", ok: false, detail: (error as Error).message, hint: "Enroll again with --force." });
  }
  const { settings } = resolveSettings({ flags: settingsFlags(values), env: io.env, file, configDir });

  const [report, reach] = await Promise.all([
    doctorReport({ modelsDir: settings.modelsDir, gpu: settings.gpu === "cpu" ? false : settings.gpu }),
    settings.server ? checkServer(settings.server) : Promise.resolve(null),
  ]);
  checks.push(...report);
  if (reach)
    checks.push({
      name: "server",
      ok: reach.ok,
      detail: reach.ok ? `${settings.server}: ${reach.detail}` : reach.detail,
      hint: reach.ok ? null : "Check the address, DNS, proxies and firewalls between this machine and the app.",
    });

  const width = Math.max(...checks.map((c) => c.name.length));
  let failed = false;
  for (const check of checks) {
    const mark = check.ok ? "ok  " : required.has(check.name) ? "FAIL" : "warn";
    if (!check.ok && required.has(check.name)) failed = true;
    io.out(`${mark}  ${check.name.padEnd(width)}  ${check.detail}\n`);
    if (!check.ok && check.hint) io.out(`      ${" ".repeat(width)}  -> ${check.hint}\n`);
  }
  io.out(failed ? "\nSome required checks failed.\n" : "\nReady to run jobs.\n");
  return failed ? exitCodes.failure : exitCodes.ok;
}
