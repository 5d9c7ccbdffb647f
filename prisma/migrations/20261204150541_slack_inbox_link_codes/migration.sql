-- CreateTable
CREATE TABLE "SlackInbox" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "installationId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "triggerId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedUntil" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "doneAt" TIMESTAMP(3),

    CONSTRAINT "SlackInbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SlackLinkCode" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "installationId" TEXT NOT NULL,
    "slackUserId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "failedAttempts" INTEGER NOT NULL DEFAULT 0,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlackLinkCode_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SlackInbox_doneAt_createdAt_idx" ON "SlackInbox"("doneAt", "createdAt");

-- CreateIndex
CREATE INDEX "SlackInbox_workspaceId_idx" ON "SlackInbox"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "SlackInbox_teamId_triggerId_key" ON "SlackInbox"("teamId", "triggerId");

-- CreateIndex
CREATE INDEX "SlackLinkCode_installationId_slackUserId_idx" ON "SlackLinkCode"("installationId", "slackUserId");

-- CreateIndex
CREATE INDEX "SlackLinkCode_workspaceId_idx" ON "SlackLinkCode"("workspaceId");

-- AddForeignKey
ALTER TABLE "SlackInbox" ADD CONSTRAINT "SlackInbox_installationId_fkey" FOREIGN KEY ("installationId") REFERENCES "SlackInstallation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SlackLinkCode" ADD CONSTRAINT "SlackLinkCode_installationId_fkey" FOREIGN KEY ("installationId") REFERENCES "SlackInstallation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
