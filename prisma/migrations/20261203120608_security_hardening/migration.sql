-- CreateTable
CREATE TABLE "UserSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "revokedAt" DATETIME,
    "fromAddress" TEXT,
    "userAgent" TEXT,
    CONSTRAINT "UserSession_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Node" (
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
    "allowedHosts" TEXT NOT NULL DEFAULT '',
    "payloadUser" TEXT,
    "lastSeenAlive" DATETIME,
    "heartbeatMs" INTEGER,
    "incarnation" INTEGER NOT NULL DEFAULT 0,
    "declaredDeadAt" DATETIME,
    "declaredDeadBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Node" ("anonymousConfirmed", "authClient", "authMgmt", "authSimple", "createdAt", "declaredDeadAt", "declaredDeadBy", "deliverablesDir", "enabled", "heartbeatMs", "host", "id", "incarnation", "jobsDir", "lastSeenAlive", "loadApiClient", "loadApiSimple", "logDir", "logLevel", "mgmtRemotePort", "name", "port", "stopRequested", "tlsCaPath", "tlsCertPath", "tlsEnabled", "tlsKeyPath", "tmpDir", "updatedAt") SELECT "anonymousConfirmed", "authClient", "authMgmt", "authSimple", "createdAt", "declaredDeadAt", "declaredDeadBy", "deliverablesDir", "enabled", "heartbeatMs", "host", "id", "incarnation", "jobsDir", "lastSeenAlive", "loadApiClient", "loadApiSimple", "logDir", "logLevel", "mgmtRemotePort", "name", "port", "stopRequested", "tlsCaPath", "tlsCertPath", "tlsEnabled", "tlsKeyPath", "tmpDir", "updatedAt" FROM "Node";
DROP TABLE "Node";
ALTER TABLE "new_Node" RENAME TO "Node";
CREATE UNIQUE INDEX "Node_name_key" ON "Node"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "UserSession_userId_idx" ON "UserSession"("userId");
