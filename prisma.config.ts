// Prisma CLI configuration: the schema lives in prisma/, the client is generated offline (see scripts/prisma-generate.mjs).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
