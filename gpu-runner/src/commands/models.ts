import { resolveSettings, readRunnerFile } from "../config";
import { exitCodes, RunnerError } from "../errors";
import { addModel, listModels, ModelError, pullModel, type PullProgress } from "../models";
import { configDirFrom, configDirOption, formatBytes, parseCommandArgs, table, type Io } from "./shared";

export const modelsHelp = `Usage:
  jace-runner models list
  jace-runner models add <file.gguf> [--id ID]
  jace-runner models pull <url> [--sha256 HEX] [--id ID]

Manages the GGUF models this runner offers. The id defaults to the file name in lowercase
without .gguf (e.g. llama-3.2-3b-instruct-q4_k_m). \`add\` hard-links the file when it is on
the same filesystem; \`pull\` downloads to a temporary file and keeps it only when the size,
checksum (--sha256) and GGUF header check out. A running runner reports new models within
seconds.

Options:
  --id ID                 Model id to register the file under
  --sha256 HEX            Expected checksum of the download
  --models-dir DIR        Models directory (env JACE_RUNNER_MODELS_DIR, default <config-dir>/models)
  --config-dir DIR        Where runner.json lives (env JACE_RUNNER_CONFIG)
  -h, --help              Show this help
`;

export async function modelsCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "models",
    args,
    { ...configDirOption, "models-dir": { type: "string" }, id: { type: "string" }, sha256: { type: "string" } },
    true,
  );
  const [action, target, ...extra] = positionals;
  if (values.help || !action) {
    io.out(modelsHelp);
    return values.help ? exitCodes.ok : exitCodes.usage;
  }
  const configDir = configDirFrom(values, io);
  const { settings } = resolveSettings({
    flags: { modelsDir: values["models-dir"] },
    env: io.env,
    file: readRunnerFile(configDir),
    configDir,
  });
  const modelsDir = settings.modelsDir;
  const usage = (message: string) => new RunnerError(`${message}\nSee: jace-runner models --help`, { exitCode: exitCodes.usage });
  if (extra.length) throw usage(`Unexpected argument "${extra[0]}".`);

  try {
    switch (action) {
      case "list": {
        if (target) throw usage(`Unexpected argument "${target}".`);
        const models = await listModels(modelsDir, { onInvalid: (file, reason) => io.err(`warning: skipped ${file}: ${reason}\n`) });
        if (!models.length) {
          io.out(`No models in ${modelsDir}. Add one with: jace-runner models add <file.gguf>\n`);
          return exitCodes.ok;
        }
        const rows = models.map((m) => [
          m.id,
          formatBytes(m.sizeBytes),
          m.quantization ?? "?",
          m.contextLength ? String(m.contextLength) : "?",
          m.sha256 ? m.sha256.slice(0, 12) : "-",
        ]);
        io.out(table([["ID", "SIZE", "QUANT", "CONTEXT", "SHA256"], ...rows]));
        return exitCodes.ok;
      }
      case "add": {
        if (!target) throw usage("Missing the path of a .gguf file.");
        const model = await addModel(modelsDir, target, { id: values.id });
        io.out(`Added ${model.id} (${formatBytes(model.sizeBytes)}, ${model.quantization ?? "unknown quantization"}) to ${modelsDir}\n`);
        return exitCodes.ok;
      }
      case "pull": {
        if (!target) throw usage("Missing the URL to download.");
        const controller = new AbortController();
        const onSignal = () => controller.abort();
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        const progress = progressReporter(io);
        try {
          const model = await pullModel(modelsDir, target, {
            id: values.id,
            sha256: values.sha256,
            signal: controller.signal,
            onProgress: progress.update,
          });
          progress.end();
          io.out(`Pulled ${model.id} (${formatBytes(model.sizeBytes)}, sha256 ${model.sha256}) into ${modelsDir}\n`);
          return exitCodes.ok;
        } catch (error) {
          progress.end();
          if (controller.signal.aborted) throw new RunnerError("Download cancelled; nothing was kept.");
          throw error;
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
      }
      default:
        throw usage(`Unknown models command "${action}".`);
    }
  } catch (error) {
    if (error instanceof ModelError) throw new RunnerError(error.message);
    if (error instanceof TypeError && /fetch failed/.test(error.message)) {
      const cause = (error as Error & { cause?: { code?: string } }).cause?.code;
      throw new RunnerError(`Download failed: could not connect${cause ? ` (${cause})` : ""}.`);
    }
    throw error;
  }
}

/** A redrawn bar on a terminal; otherwise a plain line every 10 % (or 100 MiB without a size). */
export function progressReporter(io: Io, now: () => number = Date.now) {
  const started = now();
  let lastStep = -1;
  let drew = false;
  const describe = ({ receivedBytes, totalBytes }: PullProgress) => {
    const seconds = Math.max(0.001, (now() - started) / 1000);
    const speed = `${formatBytes(receivedBytes / seconds)}/s`;
    if (!totalBytes)
      return { step: Math.floor(receivedBytes / (100 * 1024 ** 2)), text: `${formatBytes(receivedBytes)}  ${speed}`, fraction: null };
    const fraction = Math.min(1, receivedBytes / totalBytes);
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    return {
      step: Math.floor(fraction * 10),
      text: `${percent}  ${formatBytes(receivedBytes)} / ${formatBytes(totalBytes)}  ${speed}`,
      fraction,
    };
  };
  return {
    update(progress: PullProgress) {
      const { step, text, fraction } = describe(progress);
      if (io.errIsTty) {
        const width = 30;
        const bar = fraction === null ? "" : `[${"#".repeat(Math.round(fraction * width)).padEnd(width, ".")}] `;
        io.err(`\r\x1b[2K${bar}${text}`);
        drew = true;
      } else if (step !== lastStep) {
        lastStep = step;
        io.err(`downloaded ${text}\n`);
      }
    },
    end() {
      if (drew) io.err("\n");
      drew = false;
    },
  };
}
