/** Exit codes the CLI uses; 78 (EX_CONFIG) lets systemd's RestartPreventExitStatus stop a revoked runner. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  fatal: 78,
} as const;

/** An error with a message written for the operator: what went wrong and what to do next. */
export class RunnerError extends Error {
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "RunnerError";
    this.exitCode = options.exitCode ?? exitCodes.failure;
  }
}
