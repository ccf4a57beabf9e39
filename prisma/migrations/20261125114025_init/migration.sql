-- CreateTable
CREATE TABLE "Node" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    "authSimple" TEXT NOT NULL DEFAULT 'none',
    "authClient" TEXT NOT NULL DEFAULT 'basic',
    "authMgmt" TEXT NOT NULL DEFAULT 'basic',
    "anonymousConfirmed" BOOLEAN NOT NULL DEFAULT false,
    "lastSeenAlive" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "NodeReport" (
    "nodeId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "reportedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "pid" INTEGER NOT NULL,
    "version" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "listeners" JSONB NOT NULL,
    "interfaces" JSONB NOT NULL,
    "pathModes" JSONB NOT NULL,
    "counters" JSONB NOT NULL,
    CONSTRAINT "NodeReport_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Queue" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "QueueMapping" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "nodeId" INTEGER NOT NULL,
    "queueId" INTEGER NOT NULL,
    "maxThreads" INTEGER NOT NULL DEFAULT 5,
    "pollingIntervalMs" INTEGER NOT NULL DEFAULT 1000,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "QueueMapping_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "QueueMapping_queueId_fkey" FOREIGN KEY ("queueId") REFERENCES "Queue" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "JobDef" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "applicationName" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "queueId" INTEGER NOT NULL,
    "payloadType" TEXT NOT NULL,
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "JobDef_queueId_fkey" FOREIGN KEY ("queueId") REFERENCES "Queue" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "JobSchedule" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "jobDefId" INTEGER NOT NULL,
    "cronExpression" TEXT NOT NULL,
    "queueId" INTEGER,
    "priority" INTEGER,
    "parameters" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "lastFiredAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "JobSchedule_jobDefId_fkey" FOREIGN KEY ("jobDefId") REFERENCES "JobDef" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "JobSchedule_queueId_fkey" FOREIGN KEY ("queueId") REFERENCES "Queue" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "JobInstance" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "jobDefId" INTEGER NOT NULL,
    "queueId" INTEGER NOT NULL,
    "nodeId" INTEGER,
    "state" TEXT NOT NULL DEFAULT 'SUBMITTED',
    "instruction" TEXT NOT NULL DEFAULT 'RUN',
    "position" REAL NOT NULL DEFAULT 0,
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
    "runAfter" DATETIME,
    "scheduleId" INTEGER,
    "instructedBy" TEXT,
    "enqueuedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attributedAt" DATETIME,
    "startedAt" DATETIME,
    CONSTRAINT "JobInstance_jobDefId_fkey" FOREIGN KEY ("jobDefId") REFERENCES "JobDef" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "JobInstance_queueId_fkey" FOREIGN KEY ("queueId") REFERENCES "Queue" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "JobInstance_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "Node" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "History" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "jobDefId" INTEGER,
    "applicationName" TEXT NOT NULL,
    "queueName" TEXT NOT NULL,
    "nodeName" TEXT,
    "state" TEXT NOT NULL,
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
    "enqueuedAt" DATETIME NOT NULL,
    "attributedAt" DATETIME,
    "startedAt" DATETIME,
    "endedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Message" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "jobInstanceId" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Deliverable" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "jobInstanceId" INTEGER NOT NULL,
    "nodeName" TEXT NOT NULL,
    "fileFamily" TEXT,
    "originalName" TEXT NOT NULL,
    "storedPath" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "downloadId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "GlobalParameter" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "login" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "email" TEXT,
    "freeText" TEXT,
    "locked" BOOLEAN NOT NULL DEFAULT false,
    "expiresAt" DATETIME,
    "internal" BOOLEAN NOT NULL DEFAULT false,
    "lastLoginAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Role" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "RolePermission" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "roleId" INTEGER NOT NULL,
    "permission" TEXT NOT NULL,
    CONSTRAINT "RolePermission_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Role" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "scopes" JSONB NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "lastUsedAt" DATETIME,
    "revokedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userId" INTEGER,
    "login" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "objectType" TEXT NOT NULL,
    "objectId" TEXT,
    "before" JSONB,
    "after" JSONB,
    "fromAddress" TEXT,
    "userAgent" TEXT
);

-- CreateTable
CREATE TABLE "ClusterLease" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "_RoleToUser" (
    "A" INTEGER NOT NULL,
    "B" INTEGER NOT NULL,
    CONSTRAINT "_RoleToUser_A_fkey" FOREIGN KEY ("A") REFERENCES "Role" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "_RoleToUser_B_fkey" FOREIGN KEY ("B") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
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
CREATE UNIQUE INDEX "_RoleToUser_AB_unique" ON "_RoleToUser"("A", "B");

-- CreateIndex
CREATE INDEX "_RoleToUser_B_index" ON "_RoleToUser"("B");
