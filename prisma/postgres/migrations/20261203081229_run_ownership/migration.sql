-- AlterTable
ALTER TABLE "JobInstance" ADD COLUMN     "fencingToken" INTEGER;

-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "declaredDeadAt" TIMESTAMP(3),
ADD COLUMN     "declaredDeadBy" TEXT,
ADD COLUMN     "heartbeatMs" INTEGER,
ADD COLUMN     "incarnation" INTEGER NOT NULL DEFAULT 0;

-- Runs claimed before fencing belong to incarnation 0 of their node.
UPDATE "JobInstance" SET "fencingToken" = 0 WHERE "nodeId" IS NOT NULL;
