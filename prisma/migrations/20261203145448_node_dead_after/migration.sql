-- AlterTable
ALTER TABLE "Node" ADD COLUMN "deadAfterSeconds" INTEGER;
