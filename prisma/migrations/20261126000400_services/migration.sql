-- CreateTable
CREATE TABLE "Service" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "source" TEXT NOT NULL,
    "spec" TEXT NOT NULL,
    "previous" TEXT,
    "desired" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deployedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ServiceHealth" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "service" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ok" BOOLEAN NOT NULL,
    "check" TEXT NOT NULL,
    "detail" TEXT
);

-- CreateIndex
CREATE INDEX "ServiceHealth_service_at_idx" ON "ServiceHealth"("service", "at");
