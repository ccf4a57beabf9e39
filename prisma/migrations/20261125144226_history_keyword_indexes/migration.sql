-- CreateIndex
CREATE INDEX "History_keyword1_id_idx" ON "History"("keyword1", "id");

-- CreateIndex
CREATE INDEX "History_keyword2_id_idx" ON "History"("keyword2", "id");

-- CreateIndex
CREATE INDEX "History_keyword3_id_idx" ON "History"("keyword3", "id");
