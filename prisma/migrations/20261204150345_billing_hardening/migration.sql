-- AlterTable
ALTER TABLE "BillingAccount" ADD COLUMN     "overagePriceId" TEXT,
ADD COLUMN     "paymentFailedNotifiedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "MeterReport" ADD COLUMN     "alertedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "StripeEvent" ADD COLUMN     "processedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "UsageCounter" ADD COLUMN     "overageTasks" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN     "activeTasks" INTEGER NOT NULL DEFAULT 0;

-- Events already processed before this migration count as processed.
UPDATE "StripeEvent" SET "processedAt" = "receivedAt";

-- Concurrent slots: one per task that is queued, analyzing, planning, running or delivering (a task
-- awaiting approval uses no compute and holds none). Kept by a trigger, so every status change,
-- wherever it is written, keeps the count, and intake checks it on the workspace row it locks.
CREATE FUNCTION task_holds_slot(s "TaskStatus") RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT s IN ('queued', 'analyzing', 'planning', 'running', 'delivering')
$$;

CREATE FUNCTION task_active_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta int := 0;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') AND task_holds_slot(NEW.status) THEN delta := delta + 1; END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND task_holds_slot(OLD.status) THEN delta := delta - 1; END IF;
  IF TG_OP = 'UPDATE' AND NEW."workspaceId" <> OLD."workspaceId" THEN
    RAISE EXCEPTION 'a task cannot move to another workspace';
  END IF;
  IF delta <> 0 THEN
    UPDATE "Workspace" SET "activeTasks" = greatest(0, "activeTasks" + delta)
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD."workspaceId" ELSE NEW."workspaceId" END;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER task_active_count AFTER INSERT OR DELETE OR UPDATE OF status ON "Task"
  FOR EACH ROW EXECUTE FUNCTION task_active_count();

UPDATE "Workspace" w SET "activeTasks" = (SELECT count(*) FROM "Task" t WHERE t."workspaceId" = w.id AND task_holds_slot(t.status));

-- Intake refuses a task whose monthly quota is used up by raising this inside its one statement,
-- which undoes the task number and counters taken earlier in that statement.
CREATE FUNCTION jace_refuse(reason text) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'jace_refuse:' || reason;
END $$;
