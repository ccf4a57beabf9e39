-- CreateEnum
CREATE TYPE "JobState" AS ENUM ('SUBMITTED', 'SCHEDULED', 'HOLDED', 'ATTRIBUTED', 'RUNNING', 'ENDED', 'CRASHED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "Instruction" AS ENUM ('RUN', 'KILL', 'PAUSE');

-- CreateEnum
CREATE TYPE "PayloadType" AS ENUM ('shell', 'exec', 'node');

-- CreateEnum
CREATE TYPE "ApiAuthMode" AS ENUM ('none', 'basic', 'token', 'certificate');

-- CreateTable
CREATE TABLE "Node" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "host" TEXT NOT NULL DEFAULT '127.0.0.1',
    "port" INTEGER NOT NULL DEFAULT 1789,
    "jobsDir" TEXT NOT NULL,
    "deliverablesDir" TEXT NOT NULL,
    "tmpDir" TEXT NOT NULL,
    "logDir" TEXT NOT NULL,
    "logLevel" TEXT NOT NULL DEFAULT 'INFO',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "stopRequested" BOOLEAN NOT NULL DEFAULT false,
    "loadApiSimple" BOOLEAN NOT NULL DEFAULT true,
    "loadApiClient" BOOLEAN NOT NULL DEFAULT false,
    "mgmtRemotePort" INTEGER,
    "tlsEnabled" BOOLEAN NOT NULL DEFAULT false,
    "tlsCertPath" TEXT,
    "tlsKeyPath" TEXT,
    "tlsCaPath" TEXT,
    "authSimple" "ApiAuthMode" NOT NULL DEFAULT 'none',
    "authClient" "ApiAuthMode" NOT NULL DEFAULT 'basic',
    "authMgmt" "ApiAuthMode" NOT NULL DEFAULT 'basic',
    "anonymousConfirmed" BOOLEAN NOT NULL DEFAULT false,
    "lastSeenAlive" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Node_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NodeReport" (
    "nodeId" INTEGER NOT NULL,
    "reportedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "pid" INTEGER NOT NULL,
    "version" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "listeners" JSONB NOT NULL,
    "interfaces" JSONB NOT NULL,
    "pathModes" JSONB NOT NULL,
    "counters" JSONB NOT NULL,

    CONSTRAINT "NodeReport_pkey" PRIMARY KEY ("nodeId")
);

-- CreateTable
CREATE TABLE "Queue" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Queue_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QueueMapping" (
    "id" SERIAL NOT NULL,
    "nodeId" INTEGER NOT NULL,
    "queueId" INTEGER NOT NULL,
    "maxThreads" INTEGER NOT NULL DEFAULT 5,
    "pollingIntervalMs" INTEGER NOT NULL DEFAULT 1000,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "QueueMapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobDef" (
    "id" SERIAL NOT NULL,
    "applicationName" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "queueId" INTEGER NOT NULL,
    "payloadType" "PayloadType" NOT NULL,
    "path" TEXT NOT NULL,
    "parameters" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "highlander" BOOLEAN NOT NULL DEFAULT false,
    "canBeRestarted" BOOLEAN NOT NULL DEFAULT true,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "alertAfterSeconds" INTEGER,
    "application" TEXT,
    "module" TEXT,
    "keyword1" TEXT,
    "keyword2" TEXT,
    "keyword3" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobDef_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobSchedule" (
    "id" SERIAL NOT NULL,
    "jobDefId" INTEGER NOT NULL,
    "cronExpression" TEXT NOT NULL,
    "queueId" INTEGER,
    "priority" INTEGER,
    "parameters" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "lastFiredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JobSchedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobInstance" (
    "id" SERIAL NOT NULL,
    "jobDefId" INTEGER NOT NULL,
    "queueId" INTEGER NOT NULL,
    "nodeId" INTEGER,
    "state" "JobState" NOT NULL DEFAULT 'SUBMITTED',
    "instruction" "Instruction" NOT NULL DEFAULT 'RUN',
    "position" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "parentId" INTEGER,
    "progress" INTEGER,
    "parameters" JSONB NOT NULL,
    "application" TEXT,
    "module" TEXT,
    "keyword1" TEXT,
    "keyword2" TEXT,
    "keyword3" TEXT,
    "userName" TEXT,
    "sessionId" TEXT,
    "email" TEXT,
    "runAfter" TIMESTAMP(3),
    "scheduleId" INTEGER,
    "instructedBy" TEXT,
    "enqueuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attributedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),

    CONSTRAINT "JobInstance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "History" (
    "id" INTEGER NOT NULL,
    "jobDefId" INTEGER,
    "applicationName" TEXT NOT NULL,
    "queueName" TEXT NOT NULL,
    "nodeName" TEXT,
    "state" "JobState" NOT NULL,
    "returnCode" INTEGER,
    "endReason" TEXT,
    "parentId" INTEGER,
    "progress" INTEGER,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "parameters" JSONB NOT NULL,
    "application" TEXT,
    "module" TEXT,
    "keyword1" TEXT,
    "keyword2" TEXT,
    "keyword3" TEXT,
    "userName" TEXT,
    "sessionId" TEXT,
    "email" TEXT,
    "enqueuedAt" TIMESTAMP(3) NOT NULL,
    "attributedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "History_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Message" (
    "id" SERIAL NOT NULL,
    "jobInstanceId" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Deliverable" (
    "id" SERIAL NOT NULL,
    "jobInstanceId" INTEGER NOT NULL,
    "nodeName" TEXT NOT NULL,
    "fileFamily" TEXT,
    "originalName" TEXT NOT NULL,
    "storedPath" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "downloadId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Deliverable_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GlobalParameter" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GlobalParameter_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "login" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "email" TEXT,
    "freeText" TEXT,
    "locked" BOOLEAN NOT NULL DEFAULT false,
    "expiresAt" TIMESTAMP(3),
    "internal" BOOLEAN NOT NULL DEFAULT false,
    "lastLoginAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Role" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Role_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RolePermission" (
    "id" SERIAL NOT NULL,
    "roleId" INTEGER NOT NULL,
    "permission" TEXT NOT NULL,

    CONSTRAINT "RolePermission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "scopes" JSONB NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userId" INTEGER,
    "login" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "objectType" TEXT NOT NULL,
    "objectId" TEXT,
    "before" JSONB,
    "after" JSONB,
    "fromAddress" TEXT,
    "userAgent" TEXT,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ClusterLease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ClusterLease_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "_RoleToUser" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,

    CONSTRAINT "_RoleToUser_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateIndex
CREATE UNIQUE INDEX "Node_name_key" ON "Node"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Queue_name_key" ON "Queue"("name");

-- CreateIndex
CREATE UNIQUE INDEX "QueueMapping_nodeId_queueId_key" ON "QueueMapping"("nodeId", "queueId");

-- CreateIndex
CREATE UNIQUE INDEX "JobDef_applicationName_key" ON "JobDef"("applicationName");

-- CreateIndex
CREATE INDEX "JobInstance_queueId_state_priority_position_idx" ON "JobInstance"("queueId", "state", "priority", "position");

-- CreateIndex
CREATE INDEX "JobInstance_nodeId_state_idx" ON "JobInstance"("nodeId", "state");

-- CreateIndex
CREATE INDEX "JobInstance_jobDefId_state_idx" ON "JobInstance"("jobDefId", "state");

-- CreateIndex
CREATE INDEX "JobInstance_state_runAfter_idx" ON "JobInstance"("state", "runAfter");

-- CreateIndex
CREATE INDEX "JobInstance_parentId_idx" ON "JobInstance"("parentId");

-- CreateIndex
CREATE INDEX "History_endedAt_id_idx" ON "History"("endedAt", "id");

-- CreateIndex
CREATE INDEX "History_applicationName_id_idx" ON "History"("applicationName", "id");

-- CreateIndex
CREATE INDEX "History_state_id_idx" ON "History"("state", "id");

-- CreateIndex
CREATE INDEX "History_queueName_id_idx" ON "History"("queueName", "id");

-- CreateIndex
CREATE INDEX "History_nodeName_id_idx" ON "History"("nodeName", "id");

-- CreateIndex
CREATE INDEX "History_userName_id_idx" ON "History"("userName", "id");

-- CreateIndex
CREATE INDEX "History_sessionId_id_idx" ON "History"("sessionId", "id");

-- CreateIndex
CREATE INDEX "History_parentId_idx" ON "History"("parentId");

-- CreateIndex
CREATE INDEX "Message_jobInstanceId_id_idx" ON "Message"("jobInstanceId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Deliverable_downloadId_key" ON "Deliverable"("downloadId");

-- CreateIndex
CREATE INDEX "Deliverable_jobInstanceId_idx" ON "Deliverable"("jobInstanceId");

-- CreateIndex
CREATE UNIQUE INDEX "User_login_key" ON "User"("login");

-- CreateIndex
CREATE UNIQUE INDEX "Role_name_key" ON "Role"("name");

-- CreateIndex
CREATE UNIQUE INDEX "RolePermission_roleId_permission_key" ON "RolePermission"("roleId", "permission");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "AuditEvent_objectType_objectId_idx" ON "AuditEvent"("objectType", "objectId");

-- CreateIndex
CREATE INDEX "AuditEvent_login_at_idx" ON "AuditEvent"("login", "at");

-- CreateIndex
CREATE INDEX "_RoleToUser_B_index" ON "_RoleToUser"("B");

-- AddForeignKey
ALTER TABLE "NodeReport" ADD CONSTRAINT "NodeReport_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QueueMapping" ADD CONSTRAINT "QueueMapping_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QueueMapping" ADD CONSTRAINT "QueueMapping_queueId_fkey" FOREIGN KEY ("queueId") REFERENCES "Queue"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobDef" ADD CONSTRAINT "JobDef_queueId_fkey" FOREIGN KEY ("queueId") REFERENCES "Queue"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobSchedule" ADD CONSTRAINT "JobSchedule_jobDefId_fkey" FOREIGN KEY ("jobDefId") REFERENCES "JobDef"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobSchedule" ADD CONSTRAINT "JobSchedule_queueId_fkey" FOREIGN KEY ("queueId") REFERENCES "Queue"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobInstance" ADD CONSTRAINT "JobInstance_jobDefId_fkey" FOREIGN KEY ("jobDefId") REFERENCES "JobDef"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobInstance" ADD CONSTRAINT "JobInstance_queueId_fkey" FOREIGN KEY ("queueId") REFERENCES "Queue"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobInstance" ADD CONSTRAINT "JobInstance_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RolePermission" ADD CONSTRAINT "RolePermission_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Role"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_RoleToUser" ADD CONSTRAINT "_RoleToUser_A_fkey" FOREIGN KEY ("A") REFERENCES "Role"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_RoleToUser" ADD CONSTRAINT "_RoleToUser_B_fkey" FOREIGN KEY ("B") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
