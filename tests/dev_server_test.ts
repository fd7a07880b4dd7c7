// Tauri's dev-server settings (build.devUrl / v1 devPath, beforeDevCommand, beforeBuildCommand) as the config
// reads them, and beforeBuildCommand run by the build before it embeds the frontend folder it makes. The
// dev server itself, with a real Vite, is tests/webview/dev_server.ts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, loadConfig } from "../core/config.ts";
import { embedApp } from "../build/embed.ts";

async function project(build: Record<string, unknown>, layout: "src-tauri" | "flat" = "src-tauri") {
  const root = await Deno.makeTempDir({ prefix: "airlock-devserver-" });
  const dir = layout === "src-tauri" ? join(root, "src-tauri") : root;
  await Deno.mkdir(dir, { recursive: true });
  const file = join(dir, "tauri.conf.json");
  await Deno.writeTextFile(file, JSON.stringify({ identifier: "dev.airlock.devserver-test", build }));
  return { root, dir, file };
}

Deno.test("config: build.devUrl and Tauri's hook commands, as Tauri writes them", async () => {
  const v2 = await project({
    frontendDist: "../dist", // need not exist when a dev server is configured
    devUrl: "http://localhost:5173/",
    beforeDevCommand: "npm run dev",
    beforeBuildCommand: { script: "npm run build", cwd: "../web" },
  });
  const config = await loadConfig(v2.file);
  assert.deepEqual(config.devServer, {
    url: "http://localhost:5173",
    // Tauri's app folder: the parent of src-tauri/; a cwd is relative to the config's folder.
    beforeDevCommand: { script: "npm run dev", cwd: v2.root, wait: false },
    beforeBuildCommand: { script: "npm run build", cwd: join(v2.root, "web"), wait: false },
  });
  const v1 = await project({
    distDir: ".",
    devPath: "http://127.0.0.1:1420",
    beforeDevCommand: { script: "x", wait: true },
  }, "flat");
  const one = await loadConfig(v1.file);
  assert.equal(one.devServer.url, "http://127.0.0.1:1420");
  assert.deepEqual(one.devServer.beforeDevCommand, { script: "x", cwd: v1.root, wait: true });
  // v1's devPath may be a folder: no dev server then.
  const folder = await project({ distDir: ".", devPath: "." }, "flat");
  assert.equal((await loadConfig(folder.file)).devServer.url, null);

  for (
    const [build, reason] of [
      [{ frontendDist: ".", devUrl: "ftp://x" }, /build\.devUrl must be an http or https URL/],
      [{ frontendDist: ".", devUrl: "not a url" }, /build\.devUrl is not a URL/],
      [{ frontendDist: ".", beforeDevCommand: 42 }, /build\.beforeDevCommand must be a command/],
      [
        { frontendDist: ".", beforeDevCommand: { script: "" } },
        /build\.beforeDevCommand\.script must be a command/,
      ],
      [
        { frontendDist: ".", beforeBuildCommand: { script: "x", wait: true } },
        /beforeBuildCommand\.wait is not a field/,
      ],
      [
        { frontendDist: ".", beforeDevCommand: { script: "x", shell: "zsh" } },
        /beforeDevCommand\.shell is not a field/,
      ],
      [
        { frontendDist: "http://localhost:5173" },
        /give the built frontend folder \(a dev server goes in build\.devUrl\)/,
      ],
    ] as const
  ) {
    const bad = await project(build, "flat");
    await assert.rejects(
      loadConfig(bad.file),
      (error: unknown) => error instanceof ConfigError && reason.test(error.message),
    );
  }
});

Deno.test("build: beforeBuildCommand runs first and makes the folder the build embeds; a failure or no folder is one error", async () => {
  const made = await project({
    frontendDist: "../dist",
    devUrl: "http://localhost:5173",
    // In Tauri's app folder, with Tauri's variables set.
    beforeBuildCommand: `mkdir -p dist && printf '<p>%s</p>' "$TAURI_ENV_PLATFORM" > dist/index.html`,
  });
  const out = await Deno.makeTempDir();
  await embedApp(made.file, out);
  const { app } = await import(pathToFileURL(join(out, "assets.gen.ts")).href);
  assert.equal(atob(app.frontend["/index.html"]), "<p>linux</p>");

  const failing = await project({
    frontendDist: "../dist",
    devUrl: "http://localhost:5173",
    beforeBuildCommand: "exit 4",
  });
  await assert.rejects(embedApp(failing.file, out), /build\.beforeBuildCommand failed \(exit 4\): exit 4/);
  const none = await project({ frontendDist: "../dist", devUrl: "http://localhost:5173" });
  await assert.rejects(
    embedApp(none.file, out),
    /the frontend folder .*dist \(build\.frontendDist\) does not exist: build the frontend first \(or set build\.beforeBuildCommand/,
  );
});
