// The VM tests (`npm run test:vm`): the built image in QEMU. Not part of `npm test`: they take tens of minutes.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "~": fileURLToPath(new URL("..", import.meta.url)) } },
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["image/tests/**/*.test.ts"],
    globalSetup: ["tests/helpers/global-setup.ts"],
    testTimeout: 60 * 60_000,
    hookTimeout: 60 * 60_000,
    pool: "forks",
    reporters: ["verbose"],
  },
});
