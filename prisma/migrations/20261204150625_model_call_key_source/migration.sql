-- AlterTable
ALTER TABLE "ModelCall" ADD COLUMN     "keySource" TEXT;

-- Earlier cloud calls were all metered as Jace's key; keep them so (what was reported to Stripe stays consistent).
UPDATE "ModelCall" SET "keySource" = 'system' WHERE provider = 'openai';
