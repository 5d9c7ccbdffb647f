-- AlterTable
ALTER TABLE "RunnerJob" ADD COLUMN     "declinedRunnerIds" TEXT[] DEFAULT ARRAY[]::TEXT[];
