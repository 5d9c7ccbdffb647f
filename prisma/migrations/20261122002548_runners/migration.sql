-- CreateEnum
CREATE TYPE "RunnerJobStatus" AS ENUM ('queued', 'offered', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "RunnerEnrollmentToken" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdById" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "runnerId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunnerEnrollmentToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Runner" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "capabilities" JSONB NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'offline',
    "lastSeenAt" TIMESTAMP(3),
    "connectedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Runner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunnerJob" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "requirements" JSONB NOT NULL DEFAULT '{}',
    "status" "RunnerJobStatus" NOT NULL DEFAULT 'queued',
    "runnerId" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 3,
    "queuedReason" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "queueTimeoutAt" TIMESTAMP(3) NOT NULL,
    "timeoutMs" INTEGER NOT NULL,
    "excludedRunnerIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "output" JSONB,
    "error" TEXT,
    "usage" JSONB,
    "cancelRequestedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "RunnerJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "RunnerEnrollmentToken_tokenHash_key" ON "RunnerEnrollmentToken"("tokenHash");

-- CreateIndex
CREATE INDEX "RunnerEnrollmentToken_workspaceId_createdAt_idx" ON "RunnerEnrollmentToken"("workspaceId", "createdAt");

-- CreateIndex
CREATE INDEX "Runner_workspaceId_idx" ON "Runner"("workspaceId");

-- CreateIndex
CREATE INDEX "RunnerJob_workspaceId_status_createdAt_idx" ON "RunnerJob"("workspaceId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "RunnerJob_status_leaseExpiresAt_idx" ON "RunnerJob"("status", "leaseExpiresAt");

-- CreateIndex
CREATE INDEX "RunnerJob_runnerId_status_idx" ON "RunnerJob"("runnerId", "status");

-- AddForeignKey
ALTER TABLE "RunnerEnrollmentToken" ADD CONSTRAINT "RunnerEnrollmentToken_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Runner" ADD CONSTRAINT "Runner_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunnerJob" ADD CONSTRAINT "RunnerJob_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunnerJob" ADD CONSTRAINT "RunnerJob_runnerId_fkey" FOREIGN KEY ("runnerId") REFERENCES "Runner"("id") ON DELETE SET NULL ON UPDATE CASCADE;
