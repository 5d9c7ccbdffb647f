import { z } from "zod";

/** Inngest's SDK wire protocol as observed with inngest@4.24.0 (docs/SDK_SPEC.md plus v4 extras). */

export const eventPayload = z.object({
  id: z.string().optional(),
  name: z.string().min(1),
  data: z.record(z.string(), z.unknown()).default({}),
  user: z.record(z.string(), z.unknown()).optional(),
  ts: z.number().optional(),
  v: z.string().optional(),
});
export type EventPayload = z.input<typeof eventPayload>;
export type StoredEvent = {
  id: string;
  name: string;
  data: Record<string, unknown>;
  user?: Record<string, unknown>;
  ts: number;
  v?: string;
};

const trigger = z.union([z.object({ event: z.string(), expression: z.string().optional() }), z.object({ cron: z.string() })]);
const concurrencyItem = z.object({ limit: z.number().int(), key: z.string().optional(), scope: z.string().optional() });

/** One function from the in-band sync response. Unknown fields (rateLimit, debounce...) are kept. */
export const functionConfig = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  triggers: z.array(trigger).default([]),
  steps: z.object({ step: z.object({ retries: z.object({ attempts: z.number().int().optional() }).optional() }) }),
  idempotency: z.string().optional(),
  // The SDK sends a single object when one limit is configured, an array for several.
  concurrency: z.union([z.number(), concurrencyItem, z.array(concurrencyItem)]).optional(),
  cancel: z.array(z.object({ event: z.string(), if: z.string().optional(), timeout: z.string().optional() })).optional(),
});
export type FunctionConfig = z.infer<typeof functionConfig>;

export const inBandSyncResponse = z.looseObject({ app_id: z.string(), functions: z.array(functionConfig) });

export const serializedError = z.looseObject({ name: z.string().default("Error"), message: z.string().default("") });
export type SerializedError = z.infer<typeof serializedError>;

/** One op in a 206 response. `op` stays a string so unknown opcodes reach us and fail loudly. */
export const outgoingOp = z.looseObject({
  id: z.string(),
  op: z.string(),
  name: z.string().optional(),
  displayName: z.string().optional(),
  opts: z.record(z.string(), z.unknown()).nullish(),
  data: z.unknown().optional(),
  error: z.unknown().optional(),
});
export type OutgoingOp = z.infer<typeof outgoingOp>;
export const stepsResponse = z.union([z.array(outgoingOp), outgoingOp.transform((op) => [op])]);

export const waitForEventOpts = z.object({ event: z.string().optional(), timeout: z.string(), if: z.string().optional() });
export const invokeOpts = z.object({
  function_id: z.string(),
  payload: z.object({ data: z.record(z.string(), z.unknown()).nullish(), user: z.unknown().optional(), v: z.string().optional() }).loose(),
  timeout: z.string().optional(),
});

/** Memoized step state sent back to the SDK: `{ data }` or `{ error }`. */
export type StepState = { data: unknown } | { error: SerializedError };

export type CallRequestBody = {
  version?: number;
  event: StoredEvent;
  events: StoredEvent[];
  steps: Record<string, StepState>;
  ctx: {
    run_id: string;
    attempt: number;
    max_attempts: number;
    disable_immediate_execution: boolean;
    use_api: false;
    stack: { stack: string[]; current: number };
    fn_id?: string;
    qi_id?: string;
  };
};

export function toSerializedError(value: unknown, fallback: string): SerializedError {
  const parsed = serializedError.safeParse(value);
  if (parsed.success && (parsed.data.message || parsed.data.name !== "Error")) return parsed.data;
  return { name: "Error", message: typeof value === "string" && value ? value : fallback };
}
