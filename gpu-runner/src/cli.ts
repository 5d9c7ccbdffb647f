import { doctorCommand } from "./commands/doctor";
import { enrollCommand } from "./commands/enroll";
import { modelsCommand } from "./commands/models";
import { processIo, type Io } from "./commands/shared";
import { startCommand } from "./commands/start";
import { statusCommand } from "./commands/status";
import { exitCodes, RunnerError } from "./errors";
import { runnerVersion } from "./version";

export const help = `jace-runner ${runnerVersion}: runs a Jace workspace's inference and sandboxed jobs on this machine.

Usage: jace-runner <command> [options]

Commands:
  enroll --server URL --token T   Register this machine with a workspace (once)
  start                           Connect and run jobs until stopped
  status                          Show the enrollment and whether the server is reachable
  doctor                          Check GPU, llama.cpp, sandbox, models and server
  models list|add|pull            Manage the GGUF models this runner offers

Run \`jace-runner <command> --help\` for a command's options.
Configuration: flags > JACE_RUNNER_* environment variables > runner.json in
~/.config/jace-runner (or --config-dir / JACE_RUNNER_CONFIG).
`;

const commands: Record<string, (args: string[], io: Io) => Promise<number>> = {
  enroll: enrollCommand,
  start: startCommand,
  status: statusCommand,
  doctor: doctorCommand,
  models: modelsCommand,
};

/** Runs one CLI invocation and returns the exit code (the bin sets it; tests call this directly). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    io.out(help);
    return exitCodes.ok;
  }
  if (command === "--version" || command === "-v") {
    io.out(`${runnerVersion}\n`);
    return exitCodes.ok;
  }
  const run = command ? commands[command] : undefined;
  if (!run) {
    if (command) io.err(`Unknown command "${command}".\n\n`);
    io.err(help);
    return exitCodes.usage;
  }
  try {
    return await run(rest, io);
  } catch (error) {
    if (error instanceof RunnerError) {
      io.err(`${error.message}\n`);
      return error.exitCode;
    }
    io.err(`Unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    return exitCodes.failure;
  }
}
