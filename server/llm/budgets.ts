import { createElement } from "react";
import { BudgetAlertEmail } from "@/emails/budget-alert";
import { sendEmail } from "@/emails/send";
import { sqlRows, type Db } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { Prisma, type Budget } from "@/server/generated/prisma/client";
import { logger } from "@/server/logger";

/**
 * Cloud spending limits, enforced by reserving a call's estimated cost before it runs and settling
 * its true cost after. A reservation is one conditional UPDATE per budget, so concurrent calls
 * can never together pass a hard limit; reservations expire so a crashed call frees its money.
 */

export const RESERVATION_TTL_MS = 15 * 60_000;
/** Budget amounts are Postgres integers: a soft budget (alerts only) keeps counting past its limit, up to this. */
const INT_MAX = 2_147_483_647;

export type Reservation = { rows: { id: string; budgetId: string }[]; amountMicros: number };

export class BudgetExhaustedError extends AppError {
  constructor(readonly budget: { scope: string; name: string }) {
    super(
      "QUOTA_EXCEEDED",
      `The ${budget.name} for cloud models is spent for this month. Raise it on the Usage page, or let the project use local models.`,
      {
        details: { budget: budget.scope },
      },
    );
  }
}

export const monthStart = (now = new Date()) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));

async function budgetName(db: Db, b: Pick<Budget, "scope" | "projectId">): Promise<string> {
  if (b.scope === "workspace") return "workspace budget";
  if (b.scope === "plan") return "plan's included allowance";
  const project = b.projectId ? await db.project.findUnique({ where: { id: b.projectId }, select: { name: true } }) : null;
  return `budget of project "${project?.name ?? b.scope}"`;
}

/**
 * Starts a new period for budgets whose period is over (money reserved by calls in flight stays):
 * one workspace's on its first cloud call of the month, all of them from the maintenance cron.
 */
export async function rollBudgetPeriods(db: Db, now = new Date(), workspaceId?: string): Promise<number> {
  const start = monthStart(now);
  const { count } = await db.budget.updateMany({
    where: { periodStart: { lt: start }, ...(workspaceId ? { workspaceId } : {}) },
    data: { periodStart: start, spentMicros: 0, softAlertedAt: null, hardAlertedAt: null },
  });
  return count;
}

/** A budget in a hold's scope, with the reservation the hold wrote on it (null: no room, or not current). */
export type HeldBudget = Pick<Budget, "id" | "scope" | "projectId" | "monthlyLimitMicros"> & {
  periodOver: boolean;
  reservationId: string | null;
};

/** What a hold takes: an amount on the budgets of these scopes; `planAllowanceMicros` is the plan allowance the "plan" budget must show. */
export type HoldSpec = { amountMicros: number; scopes: string[]; planAllowanceMicros: number | null };

export function holdSpec(projectId: string | null | undefined, amountMicros: number, planAllowanceMicros: number | null): HoldSpec {
  return {
    amountMicros: Math.max(0, Math.ceil(amountMicros)),
    scopes: [...(planAllowanceMicros !== null ? ["plan"] : []), "workspace", ...(projectId ? [projectId] : [])],
    planAllowanceMicros,
  };
}

export const sameHold = (a: HoldSpec, b: HoldSpec) =>
  a.amountMicros === b.amountMicros && a.planAllowanceMicros === b.planAllowanceMicros && a.scopes.join("\0") === b.scopes.join("\0");

/**
 * The hold as CTEs ending in `hold`: one row per budget in the spec's scopes, each raised by the
 * amount only if it stays within its hard limit (the UPDATE's row lock makes that exact under
 * concurrency), with a reservation row for each it raised. For a statement of its own
 * (reserveBudget) or one that reads other things at once (the route, server/llm/plan.ts).
 *
 * The hold commits without waiting for its WAL flush (synchronous_commit off for the statement's
 * transaction only; about 0.4 ms here). Other calls see it at once, so the limit stays exact under
 * concurrency; only a database crash within the WAL writer's delay could forget the holds of calls
 * then in flight, and their ledger rows still record what they cost. The ledger row's own commit
 * is durable, and flushes the hold's WAL with it.
 */
export function holdCtes(workspaceId: string, spec: HoldSpec): Prisma.Sql {
  const start = monthStart();
  const expiresAt = new Date(Date.now() + RESERVATION_TTL_MS);
  const amount = spec.amountMicros;
  return Prisma.sql`b AS (
        SELECT id, scope, "projectId", "monthlyLimitMicros", "periodStart" < ${start} AS "periodOver"
          FROM "Budget" WHERE "workspaceId" = ${workspaceId} AND scope = ANY(${spec.scopes}::text[])
      ), held AS (
        UPDATE "Budget" SET "reservedMicros" = LEAST(${INT_MAX}, "reservedMicros"::bigint + ${amount})::int
         WHERE id IN (SELECT id FROM b) AND "periodStart" >= ${start}
           AND (scope <> 'plan' OR "monthlyLimitMicros" = ${spec.planAllowanceMicros}::int)
           AND (NOT "hardLimit" OR "spentMicros"::bigint + "reservedMicros" + ${amount} <= "monthlyLimitMicros")
        RETURNING id
      ), reserved AS (
        INSERT INTO "BudgetReservation" (id, "budgetId", "workspaceId", "amountMicros", "expiresAt")
        SELECT gen_random_uuid()::text, held.id, ${workspaceId}, ${amount}, ${expiresAt} FROM held
        RETURNING id, "budgetId"
      ), nosync AS (SELECT set_config('synchronous_commit', 'off', true) AS setting
      ), hold AS (
        SELECT b.id, b.scope, b."projectId", b."monthlyLimitMicros", b."periodOver", reserved.id AS "reservationId",
               array_position(${spec.scopes}::text[], b.scope) AS rank
          FROM nosync, b LEFT JOIN reserved ON reserved."budgetId" = b.id
      )`;
}

/**
 * What a hold's rows say: `complete` when every budget in scope was raised and the plan's
 * allowance is current; otherwise the reservation holds what must be given back.
 */
export function judgeHold(budgets: HeldBudget[], spec: HoldSpec) {
  const rows = budgets.flatMap((b) => (b.reservationId ? [{ id: b.reservationId, budgetId: b.id }] : []));
  const planStale =
    spec.planAllowanceMicros !== null && !budgets.some((b) => b.scope === "plan" && b.monthlyLimitMicros === spec.planAllowanceMicros);
  const reservation: Reservation = { rows, amountMicros: spec.amountMicros };
  return { reservation, complete: rows.length === budgets.length && !planStale, planStale };
}

/**
 * Holds `amountMicros` on the workspace's and the project's budgets (and the plan's allowance), or
 * throws which one is spent. One statement in the common case (holdCtes); a plan allowance that
 * changed or a period that ended is put right first, and the statement runs again.
 */
export async function reserveBudget(
  db: Db,
  workspaceId: string,
  projectId: string | null | undefined,
  amountMicros: number,
  /** The plan's included cloud spend when the call uses Jace's own key (null: unlimited). */
  opts: { planAllowanceMicros?: number | null } = {},
): Promise<Reservation> {
  const spec = holdSpec(projectId, amountMicros, opts.planAllowanceMicros ?? null);
  for (let attempt = 0; ; attempt++) {
    const budgets = await sqlRows<HeldBudget>(db, Prisma.sql`WITH ${holdCtes(workspaceId, spec)} SELECT * FROM hold ORDER BY rank`);
    const { reservation, complete, planStale } = judgeHold(budgets, spec);
    if (complete) return reservation;
    // Some budget had no room (or was not current): give back what the others held.
    await releaseHold(db, reservation);
    const periodOver = budgets.some((b) => b.periodOver);
    if ((planStale || periodOver) && attempt === 0) {
      if (planStale) await ensurePlanBudget(db, workspaceId, spec.planAllowanceMicros!);
      if (periodOver) await rollBudgetPeriods(db, new Date(), workspaceId);
      continue;
    }
    const held = new Set(reservation.rows.map((r) => r.budgetId));
    const exhausted = budgets.find((b) => !held.has(b.id));
    if (!exhausted) throw new AppError("CONFLICT", "The workspace's budgets changed while this call was admitted. Send it again.");
    throw new BudgetExhaustedError({ scope: exhausted.scope, name: await budgetName(db, exhausted) });
  }
}

/** Gives back a hold that will not be settled (nothing was called). */
export async function releaseHold(db: Db, reservation: Reservation): Promise<void> {
  if (reservation.rows.length > 0) await release(db, reservation.rows, reservation.amountMicros);
}

async function release(db: Db, rows: Reservation["rows"], amount: number): Promise<void> {
  await db.$executeRaw`
    WITH gone AS (DELETE FROM "BudgetReservation" WHERE id = ANY(${rows.map((r) => r.id)}) RETURNING "budgetId")
    UPDATE "Budget" SET "reservedMicros" = GREATEST(0, "reservedMicros" - ${amount}) WHERE id IN (SELECT "budgetId" FROM gone)`;
}

/** The "plan" budget row: the plan's included cloud allowance, kept at the plan's current figure. */
async function ensurePlanBudget(db: Db, workspaceId: string, limitMicros: number): Promise<void> {
  await db.budget.upsert({
    where: { workspaceId_scope: { workspaceId, scope: "plan" } },
    create: {
      workspaceId,
      scope: "plan",
      monthlyLimitMicros: limitMicros,
      softThresholdPct: 80,
      hardLimit: true,
      periodStart: monthStart(),
    },
    update: { monthlyLimitMicros: limitMicros },
  });
}

/**
 * Replaces the held estimate with the true cost (0 to release) and sends threshold alerts, in one
 * statement. The router settles through the ledger row's statement instead (server/llm/ledger.ts).
 */
export async function settleBudget(db: Db, reservation: Reservation, actualMicros: number): Promise<void> {
  if (reservation.rows.length === 0) return;
  const touched = await sqlRows<Touched>(
    db,
    Prisma.sql`
    WITH ${settleCtes(reservation, actualMicros)}
    SELECT touched.* FROM touched`,
  );
  await alertOnCrossing(db, touched, actualMicros);
}

export type Touched = Pick<Budget, "id" | "spentMicros" | "monthlyLimitMicros" | "softThresholdPct" | "softAlertedAt" | "hardAlertedAt">;

/**
 * The settle as CTEs ending in `touched` (the budgets it moved), for statements that settle and
 * write something else at once (the ledger row, server/llm/ledger.ts). Only reservations not yet
 * settled (or expired) move money, so settling twice is harmless.
 */
export function settleCtes(reservation: Reservation, actualMicros: number): Prisma.Sql {
  const actual = Math.max(0, Math.ceil(actualMicros));
  return Prisma.sql`settled AS (
      UPDATE "BudgetReservation" SET "settledAt" = now()
       WHERE id = ANY(${reservation.rows.map((r) => r.id)}) AND "settledAt" IS NULL
      RETURNING "budgetId"
    ), touched AS (
      UPDATE "Budget" b SET "reservedMicros" = GREATEST(0, b."reservedMicros" - ${reservation.amountMicros}),
             "spentMicros" = LEAST(${INT_MAX}, b."spentMicros"::bigint + ${actual})::int
        FROM settled WHERE b.id = settled."budgetId"
      RETURNING b.id, b."spentMicros", b."monthlyLimitMicros", b."softThresholdPct", b."softAlertedAt", b."hardAlertedAt"
    )`;
}

/** Sends the alerts of the thresholds a settle crossed. */
export async function alertOnCrossing(db: Db, touched: Touched[], actualMicros: number): Promise<void> {
  if (actualMicros <= 0) return;
  for (const b of touched) {
    const crossed =
      b.monthlyLimitMicros > 0 &&
      ((b.spentMicros >= b.monthlyLimitMicros && !b.hardAlertedAt) ||
        (b.spentMicros * 100 >= b.monthlyLimitMicros * b.softThresholdPct && !b.softAlertedAt && !b.hardAlertedAt));
    if (crossed) await alertIfNeeded(db, b.id).catch((err: unknown) => logger.warn({ err, budgetId: b.id }, "budget alert failed"));
  }
}

/** Releases reservations of calls that never settled (the process died mid-call). */
export async function expireReservations(db: Db, now = new Date()): Promise<number> {
  const stale = await db.budgetReservation.findMany({ where: { settledAt: null, expiresAt: { lt: now } }, take: 1000 });
  for (const r of stale) await settleBudget(db, { rows: [{ id: r.id, budgetId: r.budgetId }], amountMicros: r.amountMicros }, 0);
  return stale.length;
}

const usd = (micros: number) => `$${(micros / 1e6).toFixed(2)}`;

async function alertIfNeeded(db: Db, budgetId: string): Promise<void> {
  const b = await db.budget.findUnique({ where: { id: budgetId }, include: { workspace: { select: { name: true, slug: true } } } });
  if (!b || b.monthlyLimitMicros <= 0) return;
  const level =
    b.spentMicros >= b.monthlyLimitMicros ? "hard" : b.spentMicros >= (b.monthlyLimitMicros * b.softThresholdPct) / 100 ? "soft" : null;
  if (!level) return;
  // One alert per level per period, even with many instances settling at once.
  const claimed = await db.budget.updateMany({
    where: level === "hard" ? { id: b.id, hardAlertedAt: null } : { id: b.id, softAlertedAt: null, hardAlertedAt: null },
    data: level === "hard" ? { hardAlertedAt: new Date(), softAlertedAt: b.softAlertedAt ?? new Date() } : { softAlertedAt: new Date() },
  });
  if (claimed.count === 0) return;
  const owners = await db.membership.findMany({
    where: { workspaceId: b.workspaceId, role: "owner" },
    include: { user: { select: { email: true } } },
  });
  const name = await budgetName(db, b);
  const url = `${getEnv().appUrl}/w/${b.workspace.slug}/billing`;
  for (const o of owners) {
    if (!o.user.email) continue;
    await sendEmail({
      to: o.user.email,
      kind: `budget-${level}`,
      subject: level === "hard" ? `Jace: the ${name} is spent` : `Jace: the ${name} passed ${b.softThresholdPct}%`,
      react: createElement(BudgetAlertEmail, {
        workspaceName: b.workspace.name,
        budgetName: name,
        level,
        spent: usd(b.spentMicros),
        limit: usd(b.monthlyLimitMicros),
        thresholdPct: b.softThresholdPct,
        hardLimit: b.hardLimit,
        url,
      }),
    });
  }
}
