import { randomUUID } from "node:crypto";
import pg from "pg";
import { z } from "zod";
import type { Logger } from "@/server/logger";
import { guardPool } from "@/server/pg-guard";

/**
 * The durable inbox of slash commands. The acknowledgement path writes the command (one INSERT on
 * a pool of its own, so it never waits behind task writes) and the instance that wrote it handles
 * it right after, from memory, holding a lease it renews. Rows whose lease ran out (the instance
 * stopped or crashed) are claimed by any instance (FOR UPDATE SKIP LOCKED). Done rows are marked
 * in batches and kept an hour, so a repeated delivery (same team and trigger id) is recognised.
 */

export const slashCommand = z.object({
  text: z.string().max(4000),
  user_id: z.string().min(1).max(32),
  user_name: z.string().max(100).default(""),
  channel_id: z.string().min(1).max(32),
  channel_name: z.string().max(100).default(""),
  response_url: z.string().max(500).default(""),
  trigger_id: z.string().min(1).max(200),
});
export type SlashCommand = z.infer<typeof slashCommand>;

export type InboxRow = { id: string; installationId: string; teamId: string; command: SlashCommand; attempts: number };

export type InboxOptions = {
  /**
   * Rows handled at once by this instance. A task command spends most of its time waiting for the
   * burst's shared writes (admissions.ts, threads.ts), so many in flight make those bursts large.
   */
  concurrency?: number;
  /** How long a row stays with the instance that holds it without a renewal. */
  leaseMs?: number;
  /** How often expired rows are looked for, leases renewed and done rows written. */
  pollMs?: number;
  /** Rows held in memory at most; beyond that, accepted rows wait in the table for any instance. */
  maxLocal?: number;
  /** false: accept only (tests of recovery leave rows behind as a crashed instance would). */
  drain?: boolean;
};

const MAX_ATTEMPTS = 3;
const KEEP_DONE_MS = 60 * 60_000;

export type Inbox = {
  /** Writes the command; "duplicate" for a repeated delivery, "disconnected" when the team has no working installation. */
  accept(teamId: string, command: SlashCommand): Promise<"accepted" | "duplicate" | "disconnected">;
  /** Resolves when every row this instance holds is handled and marked. */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

/** What the drainer does with a row; throwing leaves it for a retry (at most MAX_ATTEMPTS). */
export type InboxHandler = (row: InboxRow) => Promise<void>;
export type GiveUp = (row: InboxRow, err: unknown) => Promise<void>;

export function startInbox(databaseUrl: string, handle: InboxHandler, giveUp: GiveUp, log: Logger, opts: InboxOptions = {}): Inbox {
  const concurrency = opts.concurrency ?? 32;
  const leaseMs = opts.leaseMs ?? 30_000;
  const pollMs = opts.pollMs ?? 1000;
  const maxLocal = opts.maxLocal ?? 5000;
  const draining = opts.drain ?? true;
  const pool = guardPool(new pg.Pool({ connectionString: databaseUrl, max: 4 }), log, "slack inbox");

  const queue: InboxRow[] = [];
  const held = new Set<string>();
  let done: string[] = [];
  let active = 0;
  let stopped = false;
  let waiters: (() => void)[] = [];
  let lastPrune = 0;

  const settleWaiters = () => {
    if (held.size > 0 || done.length > 0) return;
    for (const w of waiters) w();
    waiters = [];
  };

  const pump = () => {
    while (draining && !stopped && active < concurrency && queue.length > 0) {
      const row = queue.shift()!;
      active++;
      void run(row).finally(() => {
        active--;
        pump();
        if (active === 0 && queue.length === 0) void flush().then(settleWaiters);
      });
    }
  };

  async function run(row: InboxRow) {
    try {
      await handle(row);
      done.push(row.id);
    } catch (err) {
      if (row.attempts >= MAX_ATTEMPTS) {
        log.error({ err, inboxId: row.id, teamId: row.teamId }, "slack command failed for good");
        await giveUp(row, err).catch((e: unknown) => log.warn({ err: e }, "could not tell the user"));
        done.push(row.id);
      } else {
        log.warn({ err, inboxId: row.id, attempt: row.attempts }, "slack command failed; it will be retried");
        // Left to the next claim once the lease runs out: a short back-off, on any instance.
        await pool
          .query(`UPDATE "SlackInbox" SET "claimedUntil" = now() + $2::int * interval '1 millisecond' WHERE id = $1`, [
            row.id,
            2000 * row.attempts,
          ])
          .catch(() => undefined);
        held.delete(row.id);
      }
    }
  }

  /** Marks handled rows done in one statement. */
  async function flush() {
    if (done.length === 0) return;
    const ids = done;
    done = [];
    try {
      await pool.query({ name: "slack-inbox-done", text: `UPDATE "SlackInbox" SET "doneAt" = now() WHERE id = ANY($1)`, values: [ids] });
      for (const id of ids) held.delete(id);
    } catch (err) {
      log.warn({ err }, "could not mark slack commands done; they will be retried");
      done.push(...ids);
    }
  }

  /** Renews the leases this instance holds, marks done rows, claims rows nobody holds, prunes old ones. */
  async function tick() {
    await flush();
    settleWaiters();
    if (held.size > 0) {
      await pool.query({
        name: "slack-inbox-renew",
        text: `UPDATE "SlackInbox" SET "claimedUntil" = now() + $2::int * interval '1 millisecond' WHERE id = ANY($1) AND "doneAt" IS NULL`,
        values: [[...held], leaseMs],
      });
    }
    const room = Math.min(100, maxLocal - queue.length);
    if (draining && room > 0) {
      const { rows } = await pool.query<{ id: string; installationId: string; teamId: string; payload: unknown; attempts: number }>({
        name: "slack-inbox-claim",
        text: `UPDATE "SlackInbox" SET "claimedUntil" = now() + $2::int * interval '1 millisecond', attempts = attempts + 1
                WHERE id IN (SELECT id FROM "SlackInbox" WHERE "doneAt" IS NULL AND ("claimedUntil" IS NULL OR "claimedUntil" < now())
                             ORDER BY "createdAt" LIMIT $1 FOR UPDATE SKIP LOCKED)
                RETURNING id, "installationId", "teamId", payload, attempts`,
        values: [room, leaseMs],
      });
      for (const r of rows) {
        const command = slashCommand.safeParse(r.payload);
        if (!command.success) {
          done.push(r.id);
          continue;
        }
        held.add(r.id);
        queue.push({ id: r.id, installationId: r.installationId, teamId: r.teamId, command: command.data, attempts: r.attempts });
      }
      if (rows.length > 0) log.info({ rows: rows.length }, "slack commands taken over from the inbox");
      pump();
    }
    if (Date.now() - lastPrune > 10 * 60_000) {
      lastPrune = Date.now();
      await pool.query(`DELETE FROM "SlackInbox" WHERE "doneAt" < now() - $1::int * interval '1 millisecond'`, [KEEP_DONE_MS]);
    }
  }

  type Pending = {
    id: string;
    teamId: string;
    command: SlashCommand;
    hold: boolean;
    done: (r: Accepted) => void;
    fail: (e: unknown) => void;
  };
  type Accepted = "accepted" | "duplicate" | "disconnected";
  let waiting: Pending[] = [];
  let writing = 0;

  /**
   * Commands arriving while a write is in flight go together in the next one: a burst costs a
   * few multi-row INSERTs (and commits) instead of one each, and a lone command waits for nothing.
   */
  function accept(teamId: string, command: SlashCommand): Promise<Accepted> {
    return new Promise<Accepted>((done, fail) => {
      const local = draining && !stopped && queue.length + waiting.length < maxLocal;
      // Without a drainer (recovery tests) the row is held as by an instance that then stops.
      waiting.push({ id: randomUUID(), teamId, command, hold: local || !draining, done, fail });
      write();
    });
  }

  function write() {
    while (writing < 2 && waiting.length > 0) {
      const batch = waiting.slice(0, 200);
      waiting = waiting.slice(batch.length);
      writing++;
      void insert(batch).finally(() => {
        writing--;
        write();
      });
    }
  }

  async function insert(batch: Pending[]) {
    try {
      // One statement: each team's working installation, and the rows (a repeated delivery inserts nothing).
      const { rows } = await pool.query<{ id: string; installationId: string | null; inserted: boolean }>({
        name: "slack-inbox-accept",
        text: `WITH input AS (
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::boolean[], $6::int[])
                   AS t(id, team, trigger, payload, hold, ord)),
               inst AS (
                 SELECT id, "workspaceId", "teamId" FROM "SlackInstallation"
                  WHERE "teamId" IN (SELECT team FROM input) AND "disconnectedAt" IS NULL AND "encryptedBotToken" IS NOT NULL),
               ins AS (
                 INSERT INTO "SlackInbox" (id, "workspaceId", "installationId", "teamId", "triggerId", payload, "claimedUntil", attempts)
                 SELECT input.id, inst."workspaceId", inst.id, input.team, input.trigger, input.payload,
                        CASE WHEN input.hold THEN now() + $7::int * interval '1 millisecond' END, CASE WHEN input.hold THEN 1 ELSE 0 END
                   FROM input JOIN inst ON inst."teamId" = input.team ORDER BY input.ord
                 ON CONFLICT ("teamId", "triggerId") DO NOTHING RETURNING id)
               SELECT input.id, inst.id AS "installationId", ins.id IS NOT NULL AS inserted
                 FROM input LEFT JOIN inst ON inst."teamId" = input.team LEFT JOIN ins ON ins.id = input.id`,
        values: [
          batch.map((b) => b.id),
          batch.map((b) => b.teamId),
          batch.map((b) => b.command.trigger_id),
          batch.map((b) => JSON.stringify(b.command)),
          batch.map((b) => b.hold),
          batch.map((_, i) => i),
          leaseMs,
        ],
      });
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const b of batch) {
        const row = byId.get(b.id);
        if (!row?.installationId) b.done("disconnected");
        else if (!row.inserted) b.done("duplicate");
        else {
          if (b.hold && draining && !stopped) {
            held.add(b.id);
            queue.push({ id: b.id, installationId: row.installationId, teamId: b.teamId, command: b.command, attempts: 1 });
          }
          b.done("accepted");
        }
      }
      pump();
    } catch (err) {
      for (const b of batch) b.fail(err);
    }
  }

  let ticking: Promise<void> | null = null;
  const timer = setInterval(() => {
    ticking ??= tick()
      .catch((err: unknown) => log.warn({ err }, "slack inbox tick failed"))
      .finally(() => (ticking = null));
  }, pollMs);
  timer.unref();

  return {
    accept,
    idle: () =>
      held.size === 0 && done.length === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r)).then(() => undefined),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ticking;
      while (active > 0) await new Promise((r) => setTimeout(r, 10));
      await flush();
      // Rows taken but not started go back at once, so another instance (or the next start) takes them.
      const left = queue.splice(0).map((r) => r.id);
      if (left.length > 0)
        await pool.query(`UPDATE "SlackInbox" SET "claimedUntil" = NULL WHERE id = ANY($1)`, [left]).catch(() => undefined);
      for (const w of waiters) w();
      waiters = [];
      await pool.end();
    },
  };
}
