-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN     "llmSettings" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "ModelCall" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "projectId" TEXT,
    "taskId" TEXT,
    "apiKeyId" TEXT,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "requestedModel" TEXT NOT NULL,
    "runnerId" TEXT,
    "status" TEXT NOT NULL,
    "promptTokens" INTEGER NOT NULL DEFAULT 0,
    "completionTokens" INTEGER NOT NULL DEFAULT 0,
    "latencyMs" INTEGER NOT NULL DEFAULT 0,
    "gpuSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "costMicros" INTEGER NOT NULL DEFAULT 0,
    "baselineMicros" INTEGER NOT NULL DEFAULT 0,
    "fallbackReason" TEXT,
    "attempts" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "stream" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ModelCall_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Budget" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "projectId" TEXT,
    "monthlyLimitMicros" INTEGER NOT NULL,
    "softThresholdPct" INTEGER NOT NULL DEFAULT 80,
    "hardLimit" BOOLEAN NOT NULL DEFAULT true,
    "periodStart" TIMESTAMP(3) NOT NULL,
    "spentMicros" INTEGER NOT NULL DEFAULT 0,
    "reservedMicros" INTEGER NOT NULL DEFAULT 0,
    "softAlertedAt" TIMESTAMP(3),
    "hardAlertedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Budget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BudgetReservation" (
    "id" TEXT NOT NULL,
    "budgetId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "amountMicros" INTEGER NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "settledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BudgetReservation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProviderCredential" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "encryptedKey" TEXT NOT NULL,
    "last4" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProviderCredential_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ModelCall_workspaceId_createdAt_idx" ON "ModelCall"("workspaceId", "createdAt");

-- CreateIndex
CREATE INDEX "ModelCall_projectId_createdAt_idx" ON "ModelCall"("projectId", "createdAt");

-- CreateIndex
CREATE INDEX "ModelCall_taskId_idx" ON "ModelCall"("taskId");

-- CreateIndex
CREATE UNIQUE INDEX "Budget_workspaceId_scope_key" ON "Budget"("workspaceId", "scope");

-- CreateIndex
CREATE INDEX "BudgetReservation_budgetId_settledAt_idx" ON "BudgetReservation"("budgetId", "settledAt");

-- CreateIndex
CREATE INDEX "BudgetReservation_expiresAt_idx" ON "BudgetReservation"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "ProviderCredential_workspaceId_provider_key" ON "ProviderCredential"("workspaceId", "provider");

-- AddForeignKey
ALTER TABLE "ModelCall" ADD CONSTRAINT "ModelCall_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Budget" ADD CONSTRAINT "Budget_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BudgetReservation" ADD CONSTRAINT "BudgetReservation_budgetId_fkey" FOREIGN KEY ("budgetId") REFERENCES "Budget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProviderCredential" ADD CONSTRAINT "ProviderCredential_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
