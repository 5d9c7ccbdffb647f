-- CreateTable
CREATE TABLE "SlackInstallation" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "teamName" TEXT NOT NULL,
    "enterpriseId" TEXT,
    "appId" TEXT,
    "botUserId" TEXT NOT NULL,
    "botId" TEXT,
    "encryptedBotToken" TEXT,
    "botScopes" TEXT[],
    "installedById" TEXT,
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "disconnectedAt" TIMESTAMP(3),
    "disconnectReason" TEXT,

    CONSTRAINT "SlackInstallation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SlackChannelLink" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "installationId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "channelName" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "digest" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlackChannelLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SlackUserLink" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "installationId" TEXT NOT NULL,
    "slackUserId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "linkedVia" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlackUserLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SlackThread" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "taskId" TEXT NOT NULL,
    "installationId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "threadTs" TEXT,
    "planTs" TEXT,
    "resultTs" TEXT,
    "renderedStatus" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SlackThread_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SlackInstallation_teamId_key" ON "SlackInstallation"("teamId");

-- CreateIndex
CREATE INDEX "SlackInstallation_workspaceId_idx" ON "SlackInstallation"("workspaceId");

-- CreateIndex
CREATE INDEX "SlackChannelLink_workspaceId_idx" ON "SlackChannelLink"("workspaceId");

-- CreateIndex
CREATE INDEX "SlackChannelLink_projectId_idx" ON "SlackChannelLink"("projectId");

-- CreateIndex
CREATE UNIQUE INDEX "SlackChannelLink_installationId_channelId_key" ON "SlackChannelLink"("installationId", "channelId");

-- CreateIndex
CREATE INDEX "SlackUserLink_workspaceId_idx" ON "SlackUserLink"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "SlackUserLink_installationId_slackUserId_key" ON "SlackUserLink"("installationId", "slackUserId");

-- CreateIndex
CREATE UNIQUE INDEX "SlackThread_taskId_key" ON "SlackThread"("taskId");

-- CreateIndex
CREATE INDEX "SlackThread_workspaceId_idx" ON "SlackThread"("workspaceId");

-- AddForeignKey
ALTER TABLE "SlackInstallation" ADD CONSTRAINT "SlackInstallation_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SlackChannelLink" ADD CONSTRAINT "SlackChannelLink_installationId_fkey" FOREIGN KEY ("installationId") REFERENCES "SlackInstallation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SlackChannelLink" ADD CONSTRAINT "SlackChannelLink_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SlackUserLink" ADD CONSTRAINT "SlackUserLink_installationId_fkey" FOREIGN KEY ("installationId") REFERENCES "SlackInstallation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SlackThread" ADD CONSTRAINT "SlackThread_installationId_fkey" FOREIGN KEY ("installationId") REFERENCES "SlackInstallation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
