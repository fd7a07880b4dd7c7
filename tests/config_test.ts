// Unit tests of the config reader (core/config.ts): Tauri v1 and v2 shapes, Airlock's own section, and
// errors that name the file and the field. Folders are real, in a temp dir.
import assert from "node:assert/strict";
import { join, relative, resolve } from "node:path";
import { type AppConfig, ConfigError, loadConfig, parseConfig } from "../core/config.ts";

const DEFAULT_LIMITS = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  hookTimeoutMs: 10_000,
  readyTimeoutMs: 10_000,
  callsPerSecond: 5_000,
};

// Nothing allowed until the config says so; the Origin the core's fetch sends is the app's.
/** What a config without capabilities or app.security gets. */
const NO_SECURITY = {
  capabilities: null,
  appPermissions: { permissions: {}, sets: {}, default: null },
  plugins: {
    sql: { preload: [], migrations: {}, timeoutMs: 30_000 },
    log: { level: "trace", maxFileSize: 40_000, keepFiles: 1, targets: ["stdout", "logDir", "webview"] },
  },
  security: {
    csp: null,
    devCsp: null,
    freezePrototype: false,
    dangerousDisableAssetCspModification: false,
    headers: {},
  },
  assetProtocol: { enable: false, scope: null },
  devServer: { url: null, beforeDevCommand: null, beforeBuildCommand: null },
};
const DEFAULT_HTTP = {
  allow: [],
  origin: "app://localhost",
  allowOriginOverride: false,
  timeoutMs: 30_000,
  maxResponseBytes: 10 * 1024 * 1024,
  maxRequestBytes: 10 * 1024 * 1024,
};

const DEFAULT_APP = {
  name: "Airlock app",
  version: "0.0.0",
  identifier: "dev.airlock.app",
  title: "Airlock app",
  width: 800,
  height: 600,
};
const DEFAULT_WINDOWS = [{
  label: "main",
  title: DEFAULT_APP.title,
  url: "index.html",
  width: DEFAULT_APP.width,
  height: DEFAULT_APP.height,
}];

/** A Tauri-like project: dist/, dist-isolation/, src-tauri/ (plus extra files, "/" separated). */
async function project(extra: Record<string, string> = {}): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "airlock-config-test-" });
  for (const dir of ["dist", "dist-isolation", "src-tauri"]) await Deno.mkdir(join(root, dir));
  for (const [name, content] of Object.entries(extra)) {
    const file = join(root, ...name.split("/"));
    await Deno.mkdir(resolve(file, ".."), { recursive: true });
    await Deno.writeTextFile(file, content);
  }
  return root;
}

async function withProject(
  fn: (root: string) => Promise<void>,
  extra: Record<string, string> = {},
): Promise<void> {
  const root = await project(extra);
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function writeConfig(
  root: string,
  config: unknown,
  name = "src-tauri/tauri.conf.json",
): Promise<string> {
  const file = join(root, ...name.split("/"));
  await Deno.writeTextFile(file, typeof config === "string" ? config : JSON.stringify(config, null, 2));
  return file;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The exact message a field error has: "<where>: <field> <problem>". */
function fieldError(where: string, field: string, problem: string): RegExp {
  return new RegExp(`^${escapeRegExp(`${where}: ${field} ${problem}`)}$`);
}

function parseFails(raw: unknown, pattern: RegExp, file: string | null = "/app/tauri.conf.json"): void {
  assert.throws(() => parseConfig(raw, file, "/app"), (error: Error) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    assert.equal(error.name, "ConfigError");
    assert.match(error.message, pattern);
    return true;
  });
}

async function loadFails(promise: Promise<AppConfig>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

const F = "/app/tauri.conf.json";
const V1_ISOLATION = {
  build: { distDir: "../dist" },
  tauri: { pattern: { use: "isolation", options: { dir: "../dist-isolation" } } },
};

// ---------------------------------------------------------------- parseConfig: shapes

Deno.test("parse: Tauri v1 shape with the isolation pattern, paths relative to baseDir", () => {
  const config = parseConfig(V1_ISOLATION, "/proj/src-tauri/tauri.conf.json", "/proj/src-tauri");
  assert.deepEqual(config, {
    file: "/proj/src-tauri/tauri.conf.json",
    baseDir: "/proj/src-tauri",
    frontendDir: "/proj/dist",
    pattern: { use: "isolation", dir: "/proj/dist-isolation" },
    app: DEFAULT_APP,
    windows: DEFAULT_WINDOWS,
    limits: DEFAULT_LIMITS,
    commandsModule: null,
    devtools: false,
    allowPageWindows: false,
    http: DEFAULT_HTTP,
    fs: [],
    ...NO_SECURITY,
  });
});

Deno.test("parse: a full Tauri v1 config (package, bundle identifier, first window)", () => {
  const config = parseConfig(
    {
      package: { productName: "Notes", version: "1.2.3" },
      build: { distDir: "../dist", devPath: "http://localhost:1420" },
      tauri: {
        bundle: { identifier: "com.example.notes" },
        windows: [{ title: "Notes — main", width: 1024, height: 768 }, {
          label: "second",
          title: "second",
          width: 1,
          height: 1,
        }],
        pattern: { use: "isolation", options: { dir: "../iso" } },
      },
    },
    F,
    "/app",
  );
  assert.deepEqual(config.app, {
    name: "Notes",
    version: "1.2.3",
    identifier: "com.example.notes",
    title: "Notes — main",
    width: 1024,
    height: 768,
  });
  assert.equal(config.frontendDir, "/dist");
  assert.deepEqual(config.pattern, { use: "isolation", dir: "/iso" });
});

Deno.test("parse: Tauri v2 shape (build.frontendDist, app.security.pattern, app.windows, top-level fields)", () => {
  const config = parseConfig(
    {
      productName: "Notes2",
      version: "2.0.0",
      identifier: "com.example.notes2",
      build: { frontendDist: "../dist", devUrl: "http://localhost:1420" },
      app: {
        windows: [{ title: "Main", width: 900, height: 650 }],
        security: { pattern: { use: "isolation", options: { dir: "../dist-isolation" } } },
      },
    },
    "/proj/src-tauri/tauri.conf.json",
    "/proj/src-tauri",
  );
  assert.deepEqual(config, {
    file: "/proj/src-tauri/tauri.conf.json",
    baseDir: "/proj/src-tauri",
    frontendDir: "/proj/dist",
    pattern: { use: "isolation", dir: "/proj/dist-isolation" },
    app: {
      name: "Notes2",
      version: "2.0.0",
      identifier: "com.example.notes2",
      title: "Main",
      width: 900,
      height: 650,
    },
    windows: [{ label: "main", title: "Main", url: "index.html", width: 900, height: 650 }],
    limits: DEFAULT_LIMITS,
    commandsModule: null,
    devtools: false,
    allowPageWindows: false,
    http: DEFAULT_HTTP,
    fs: [],
    ...NO_SECURITY,
    // build.devUrl: the dev server `dev` serves the pages from (tests/dev_server_test.ts).
    devServer: { url: "http://localhost:1420", beforeDevCommand: null, beforeBuildCommand: null },
  });
});

Deno.test("parse: v2 frontendDist wins over a leftover v1 distDir; app.* wins over tauri.*", () => {
  const config = parseConfig(
    {
      build: { frontendDist: "v2-dist", distDir: "v1-dist" },
      app: { windows: [{ title: "v2" }], security: { pattern: { use: "brownfield" } } },
      tauri: { windows: [{ title: "v1" }], pattern: { use: "isolation", options: { dir: "iso" } } },
    },
    F,
    "/app",
  );
  assert.equal(config.frontendDir, "/app/v2-dist");
  assert.deepEqual(config.pattern, { use: "brownfield" });
  assert.equal(config.app.title, "v2");
  // Top-level v2 fields win over v1's package.*.
  const names = parseConfig(
    {
      productName: "top",
      version: "9.9.9",
      identifier: "top.id",
      package: { productName: "pkg", version: "1.0.0" },
      build: { distDir: "d" },
      tauri: { bundle: { identifier: "pkg.id" } },
    },
    F,
    "/app",
  );
  assert.deepEqual([names.app.name, names.app.version, names.app.identifier], ["top", "9.9.9", "top.id"]);
});

Deno.test("parse: brownfield — no pattern, a pattern without use, or use: brownfield", () => {
  for (
    const raw of [
      { build: { distDir: "dist" } },
      { build: { distDir: "dist" }, tauri: { pattern: {} } },
      { build: { distDir: "dist" }, tauri: { pattern: { use: "brownfield" } } },
      { build: { frontendDist: "dist" }, app: { security: { pattern: { use: "brownfield" } } } },
      { build: { frontendDist: "dist" }, app: { security: {} } },
      // Brownfield ignores options.dir.
      { build: { distDir: "dist" }, tauri: { pattern: { use: "brownfield", options: { dir: "x" } } } },
    ]
  ) {
    const config = parseConfig(raw, F, "/app");
    assert.deepEqual(config.pattern, { use: "brownfield" }, JSON.stringify(raw));
    assert.equal(config.frontendDir, "/app/dist");
  }
});

Deno.test("parse: paths are relative to baseDir, absolute paths stay as they are", () => {
  const relative = parseConfig(V1_ISOLATION, "/elsewhere/conf.json", "/a/b/c");
  assert.equal(relative.frontendDir, "/a/b/dist");
  assert.deepEqual(relative.pattern, { use: "isolation", dir: "/a/b/dist-isolation" });
  const absolute = parseConfig(
    {
      build: { distDir: "/srv/www" },
      tauri: { pattern: { use: "isolation", options: { dir: "/srv/iso/" } } },
      airlock: { commands: "/srv/cmd.ts" },
    },
    F,
    "/a/b/c",
  );
  assert.equal(absolute.frontendDir, "/srv/www");
  assert.deepEqual(absolute.pattern, { use: "isolation", dir: "/srv/iso/" });
  assert.equal(absolute.commandsModule, "/srv/cmd.ts");
  // Dot segments are normalised.
  assert.equal(parseConfig({ build: { distDir: "./x/../dist/" } }, F, "/p").frontendDir, "/p/dist");
});

Deno.test("parse: window title defaults to the product name, size to 800×600", () => {
  const named = parseConfig({ package: { productName: "Thing" }, build: { distDir: "d" } }, F, "/app");
  assert.deepEqual(named.app, { ...DEFAULT_APP, name: "Thing", title: "Thing" });
  const partial = parseConfig({ build: { distDir: "d" }, tauri: { windows: [{ width: 300 }] } }, F, "/app");
  assert.deepEqual([partial.app.title, partial.app.width, partial.app.height], ["Airlock app", 300, 600]);
  const empty = parseConfig({ build: { distDir: "d" }, app: { windows: [] } }, F, "/app");
  assert.deepEqual(empty.app, DEFAULT_APP);
});

Deno.test("parse: null sections count as missing", () => {
  const config = parseConfig(
    {
      build: { distDir: "d" },
      package: null,
      tauri: { windows: null, pattern: null },
      airlock: null,
    },
    F,
    "/app",
  );
  assert.deepEqual(config.app, DEFAULT_APP);
  assert.deepEqual(config.pattern, { use: "brownfield" });
  assert.deepEqual(config.limits, DEFAULT_LIMITS);
});

// ---------------------------------------------------------------- parseConfig: the airlock section

Deno.test("parse: airlock section overrides each limit and devtools; the rest keep defaults", () => {
  const config = parseConfig(
    {
      build: { distDir: "d" },
      airlock: {
        maxMessageBytes: 1024,
        maxDepth: 8,
        hookTimeoutMs: 250,
        readyTimeoutMs: 1,
        callsPerSecond: 50,
        devtools: true,
      },
    },
    F,
    "/app",
  );
  assert.deepEqual(config.limits, {
    maxMessageBytes: 1024,
    maxDepth: 8,
    hookTimeoutMs: 250,
    readyTimeoutMs: 1,
    callsPerSecond: 50,
  });
  assert.equal(config.devtools, true);

  const one = parseConfig({ build: { distDir: "d" }, airlock: { maxDepth: 3, devtools: false } }, F, "/app");
  assert.deepEqual(one.limits, { ...DEFAULT_LIMITS, maxDepth: 3 });
  assert.equal(one.devtools, false);
  // The largest safe integer is still accepted.
  const big = parseConfig(
    { build: { distDir: "d" }, airlock: { maxMessageBytes: Number.MAX_SAFE_INTEGER } },
    F,
    "/",
  );
  assert.equal(big.limits.maxMessageBytes, Number.MAX_SAFE_INTEGER);
});

Deno.test("parse: airlock.commands is resolved against baseDir", () => {
  const config = parseConfig(
    { build: { distDir: "d" }, airlock: { commands: "../src/commands.ts" } },
    F,
    "/p/q",
  );
  assert.equal(config.commandsModule, "/p/src/commands.ts");
});

Deno.test("parse: commands.ts beside the config file is found; not for an inline config or a folder", async () => {
  await withProject(async (root) => {
    const file = join(root, "src-tauri", "tauri.conf.json");
    const base = join(root, "src-tauri");
    assert.equal(parseConfig({ build: { distDir: "../dist" } }, file, base).commandsModule, null);

    await Deno.writeTextFile(join(base, "commands.ts"), "export {};");
    assert.equal(
      parseConfig({ build: { distDir: "../dist" } }, file, base).commandsModule,
      join(base, "commands.ts"),
    );
    // An inline config has no "beside".
    assert.equal(parseConfig({ build: { distDir: "../dist" } }, null, base).commandsModule, null);
    // airlock.commands wins over the file beside the config.
    assert.equal(
      parseConfig({ build: { distDir: "../dist" }, airlock: { commands: "other.ts" } }, file, base)
        .commandsModule,
      join(base, "other.ts"),
    );
    // The file beside is looked up next to the config file, not in baseDir.
    assert.equal(
      parseConfig({ build: { distDir: "../dist" } }, join(root, "tauri.conf.json"), base).commandsModule,
      null,
    );
  });
  await withProject(async (root) => {
    await Deno.mkdir(join(root, "src-tauri", "commands.ts"));
    const file = join(root, "src-tauri", "tauri.conf.json");
    assert.equal(
      parseConfig({ build: { distDir: "../dist" } }, file, join(root, "src-tauri")).commandsModule,
      null,
    );
  });
});

// ---------------------------------------------------------------- parseConfig: errors

Deno.test("parse error: the config must be a JSON object (named by file, or <inline config>)", () => {
  for (const raw of [null, [], "{}", 42, true, undefined]) {
    parseFails(raw, /^\/app\/tauri\.conf\.json: the config must be a JSON object$/);
    parseFails(raw, /^<inline config>: the config must be a JSON object$/, null);
  }
});

Deno.test("parse error: no frontend folder", () => {
  const problem = "(or v2's build.frontendDist) is required: the frontend folder";
  parseFails({}, fieldError(F, "build.distDir", problem));
  parseFails({ build: {} }, fieldError(F, "build.distDir", problem));
  parseFails({ build: { devPath: "http://localhost:1420" } }, fieldError(F, "build.distDir", problem));
  parseFails({ build: null }, fieldError("<inline config>", "build.distDir", problem), null);
});

Deno.test("parse error: the frontend folder must be a string, named by whichever field was used", () => {
  parseFails({ build: { distDir: 5 } }, fieldError(F, "build.distDir", "must be a string"));
  parseFails({ build: { distDir: ["index.html"] } }, fieldError(F, "build.distDir", "must be a string"));
  parseFails(
    { build: { frontendDist: ["index.html"] } },
    fieldError(F, "build.frontendDist", "must be a string"),
  );
  parseFails(
    { build: { frontendDist: null, distDir: "d" } },
    fieldError(F, "build.frontendDist", "must be a string"),
  );
  parseFails(
    { build: "dist" },
    fieldError(F, "build.frontendDist", "is inside something that is not an object"),
  );
});

Deno.test("parse error: a dev-server URL instead of a folder", () => {
  parseFails(
    { build: { distDir: "http://localhost:1420" } },
    fieldError(
      F,
      "build.distDir",
      "is a URL (http://localhost:1420): give the built frontend folder (a dev server goes in build.devUrl)",
    ),
  );
  parseFails(
    { build: { frontendDist: "HTTPS://example.com/app" } },
    /^\/app\/tauri\.conf\.json: build\.frontendDist is a URL \(HTTPS:\/\/example\.com\/app\):/,
  );
});

Deno.test("parse error: isolation without options.dir names the v1 or v2 field", () => {
  const problem = "is required for the isolation pattern";
  parseFails(
    { build: { distDir: "d" }, tauri: { pattern: { use: "isolation" } } },
    fieldError(F, "tauri.pattern.options.dir", problem),
  );
  parseFails(
    { build: { distDir: "d" }, tauri: { pattern: { use: "isolation", options: {} } } },
    fieldError(F, "tauri.pattern.options.dir", problem),
  );
  parseFails(
    { build: { frontendDist: "d" }, app: { security: { pattern: { use: "isolation", options: {} } } } },
    fieldError(F, "app.security.pattern.options.dir", problem),
  );
  parseFails(
    { build: { distDir: "d" }, tauri: { pattern: { use: "isolation", options: { dir: 1 } } } },
    fieldError(F, "tauri.pattern.options.dir", "must be a string"),
  );
  parseFails(
    { build: { distDir: "d" }, tauri: { pattern: { use: "isolation", options: "iso" } } },
    fieldError(F, "tauri.pattern.options.dir", "is inside something that is not an object"),
  );
});

Deno.test("parse error: an unknown pattern", () => {
  parseFails(
    { build: { distDir: "d" }, tauri: { pattern: { use: "sandbox" } } },
    fieldError(F, "tauri.pattern.use", `must be "isolation" or "brownfield", not "sandbox"`),
  );
  parseFails(
    { build: { frontendDist: "d" }, app: { security: { pattern: { use: "Isolation" } } } },
    fieldError(F, "app.security.pattern.use", `must be "isolation" or "brownfield", not "Isolation"`),
  );
  parseFails(
    { build: { distDir: "d" }, tauri: { pattern: { use: true } } },
    fieldError(F, "tauri.pattern.use", "must be a string"),
  );
  parseFails(
    { build: { distDir: "d" }, tauri: { pattern: "isolation" } },
    fieldError(F, "tauri.pattern.use", "is inside something that is not an object"),
  );
});

Deno.test("parse error: limits must be positive integers", () => {
  for (const field of ["maxMessageBytes", "maxDepth", "hookTimeoutMs", "readyTimeoutMs"]) {
    for (const bad of [0, -1, 1.5, "10", null, true, [], Number.MAX_SAFE_INTEGER + 1]) {
      parseFails(
        { build: { distDir: "d" }, airlock: { [field]: bad } },
        fieldError(F, `airlock.${field}`, "must be a positive integer"),
      );
    }
  }
});

Deno.test("parse error: window size must be a positive integer, named by v1 or v2 path", () => {
  parseFails(
    { build: { distDir: "d" }, tauri: { windows: [{ width: 0 }] } },
    fieldError(F, "tauri.windows.0.width", "must be a positive integer"),
  );
  parseFails(
    { build: { frontendDist: "d" }, app: { windows: [{ height: "600" }] } },
    fieldError(F, "app.windows.0.height", "must be a positive integer"),
  );
  parseFails(
    { build: { frontendDist: "d" }, app: { windows: [{ title: 7 }] } },
    fieldError(F, "app.windows.0.title", "must be a string"),
  );
});

Deno.test("parse error: names, version, identifier, commands and devtools have types", () => {
  parseFails({ build: { distDir: "d" }, productName: 1 }, fieldError(F, "productName", "must be a string"));
  parseFails(
    { build: { distDir: "d" }, package: { productName: {} } },
    fieldError(F, "package.productName", "must be a string"),
  );
  parseFails(
    { build: { distDir: "d" }, package: { version: 1 } },
    fieldError(F, "package.version", "must be a string"),
  );
  parseFails(
    { build: { distDir: "d" }, tauri: { bundle: { identifier: false } } },
    fieldError(F, "tauri.bundle.identifier", "must be a string"),
  );
  parseFails(
    { build: { distDir: "d" }, airlock: { commands: 1 } },
    fieldError(F, "airlock.commands", "must be a string"),
  );
  parseFails(
    { build: { distDir: "d" }, airlock: { devtools: "yes" } },
    fieldError(F, "airlock.devtools", "must be true or false"),
  );
  parseFails(
    { build: { distDir: "d" }, airlock: { devtools: 1 } },
    fieldError(F, "airlock.devtools", "must be true or false"),
  );
  parseFails(
    { build: { distDir: "d" }, airlock: 5 },
    // airlock.commands is the first airlock field read.
    fieldError(F, "airlock.commands", "is inside something that is not an object"),
  );
});

// ---------------------------------------------------------------- loadConfig

Deno.test("load: v1 tauri.conf.json in src-tauri, folders beside it", async () => {
  await withProject(async (root) => {
    const file = await writeConfig(root, V1_ISOLATION);
    const config = await loadConfig(file);
    assert.deepEqual(config, {
      file,
      baseDir: join(root, "src-tauri"),
      frontendDir: join(root, "dist"),
      pattern: { use: "isolation", dir: join(root, "dist-isolation") },
      app: DEFAULT_APP,
      windows: DEFAULT_WINDOWS,
      limits: DEFAULT_LIMITS,
      commandsModule: null,
      devtools: false,
      allowPageWindows: false,
      http: DEFAULT_HTTP,
      fs: [],
      ...NO_SECURITY,
    });
  });
});

Deno.test("load: v2 config with the airlock section and a commands.ts beside it", async () => {
  await withProject(async (root) => {
    const file = await writeConfig(root, {
      productName: "V2",
      identifier: "com.example.v2",
      build: { frontendDist: "../dist" },
      app: {
        windows: [{ width: 640, height: 480 }],
        security: { pattern: { use: "isolation", options: { dir: "../dist-isolation" } } },
      },
      airlock: { maxDepth: 10, devtools: true },
    });
    const config = await loadConfig(file);
    assert.equal(config.frontendDir, join(root, "dist"));
    assert.deepEqual(config.pattern, { use: "isolation", dir: join(root, "dist-isolation") });
    assert.deepEqual(config.app, {
      name: "V2",
      version: "0.0.0",
      identifier: "com.example.v2",
      title: "V2",
      width: 640,
      height: 480,
    });
    assert.deepEqual(config.limits, { ...DEFAULT_LIMITS, maxDepth: 10 });
    assert.equal(config.devtools, true);
    assert.equal(config.commandsModule, join(root, "src-tauri", "commands.ts"));
  }, { "src-tauri/commands.ts": "export const commands = {};" });
});

Deno.test("load: a relative config path is resolved against the working directory", async () => {
  await withProject(async (root) => {
    const file = await writeConfig(root, { build: { distDir: "../dist" } });
    const config = await loadConfig(relative(Deno.cwd(), file));
    assert.equal(config.file, file);
    assert.equal(config.baseDir, join(root, "src-tauri"));
    assert.equal(config.frontendDir, join(root, "dist"));
  });
});

Deno.test("load: brownfield needs no isolation folder", async () => {
  await withProject(async (root) => {
    await Deno.remove(join(root, "dist-isolation"));
    const file = await writeConfig(root, { build: { distDir: "../dist" } });
    assert.deepEqual((await loadConfig(file)).pattern, { use: "brownfield" });
  });
});

Deno.test("load: an inline object, resolved against baseDir, or the working directory without one", async () => {
  await withProject(async (root) => {
    const config = await loadConfig(
      {
        build: { distDir: "dist" },
        tauri: { pattern: { use: "isolation", options: { dir: "dist-isolation" } } },
      },
      root,
    );
    assert.equal(config.file, null);
    assert.equal(config.baseDir, root);
    assert.equal(config.frontendDir, join(root, "dist"));
    assert.deepEqual(config.pattern, { use: "isolation", dir: join(root, "dist-isolation") });
    assert.equal(config.commandsModule, null);

    const relativeBase = await loadConfig({ build: { distDir: "dist" } }, relative(Deno.cwd(), root));
    assert.equal(relativeBase.baseDir, root);
    assert.equal(relativeBase.frontendDir, join(root, "dist"));
  });
  const cwd = await loadConfig({ build: { distDir: "." } });
  assert.equal(cwd.baseDir, Deno.cwd());
  assert.equal(cwd.frontendDir, Deno.cwd());
});

Deno.test("load: the demo config", async () => {
  const demo = resolve(new URL(".", import.meta.url).pathname, "../demo");
  const config = await loadConfig(join(demo, "airlock.conf.json"));
  assert.equal(config.frontendDir, join(demo, "dist"));
  assert.deepEqual(config.pattern, { use: "isolation", dir: join(demo, "isolation") });
  assert.deepEqual(config.app, {
    name: "Airlock demo",
    version: "0.2.0",
    identifier: "dev.airlock.demo",
    title: "Airlock demo — isolation pattern",
    width: 1100,
    height: 760,
  });
  assert.equal(config.commandsModule, join(demo, "commands.ts"));
  assert.deepEqual(config.fs.map((scope) => [scope.name, scope.write]), [["demo", false], ["notes", true]]);
  assert.deepEqual(config.http.allow, ["http://127.0.0.1:*/status"]);
});

Deno.test("load error: a config file that cannot be read", async () => {
  await withProject(async (root) => {
    const missing = join(root, "src-tauri", "nope.json");
    await loadFails(loadConfig(missing), new RegExp(`^cannot read config ${escapeRegExp(missing)}: .+`));
    // A folder is not a config either.
    const folder = join(root, "dist");
    await loadFails(loadConfig(folder), new RegExp(`^cannot read config ${escapeRegExp(folder)}: .+`));
  });
});

Deno.test("load error: invalid JSON names the file", async () => {
  await withProject(async (root) => {
    // (A trailing comma is fine: configs are read as JSON with comments and trailing commas.)
    for (const text of ["{ build: }", "", `{"build": /* never closed }`, `{"a": 1,, }`]) {
      const file = await writeConfig(root, text);
      await loadFails(loadConfig(file), new RegExp(`^${escapeRegExp(file)}: not valid JSON: .+`));
    }
  });
});

Deno.test("load error: field errors from the file name the file", async () => {
  await withProject(async (root) => {
    const file = await writeConfig(root, `[1, 2]`);
    await loadFails(
      loadConfig(file),
      new RegExp(`^${escapeRegExp(file)}: the config must be a JSON object$`),
    );
    await writeConfig(root, { build: { distDir: "../dist" }, airlock: { maxDepth: 0 } });
    await loadFails(loadConfig(file), fieldError(file, "airlock.maxDepth", "must be a positive integer"));
  });
  await loadFails(
    loadConfig({ build: {} }),
    /^<inline config>: build\.distDir \(or v2's build\.frontendDist\) is required/,
  );
});

Deno.test("load error: the frontend folder must exist and be a folder", async () => {
  await withProject(async (root) => {
    const file = await writeConfig(root, { build: { distDir: "../missing" } });
    await loadFails(
      loadConfig(file),
      new RegExp(
        `^${
          escapeRegExp(file)
        }: the frontend folder \\(build\\.distDir / build\\.frontendDist\\) points to ` +
          `${escapeRegExp(join(root, "missing"))}, which is not a folder$`,
      ),
    );
    await writeConfig(root, { build: { frontendDist: "../index.html" } });
    await loadFails(
      loadConfig(file),
      new RegExp(`points to ${escapeRegExp(join(root, "index.html"))}, which is not a folder$`),
    );
    await loadFails(
      loadConfig({ build: { distDir: "missing" } }, root),
      new RegExp(
        `^<inline config>: the frontend folder .* points to ${escapeRegExp(join(root, "missing"))},`,
      ),
    );
  }, { "index.html": "<p>a file</p>" });
});

Deno.test("load error: the isolation folder must exist and be a folder", async () => {
  await withProject(async (root) => {
    const file = await writeConfig(root, {
      build: { distDir: "../dist" },
      tauri: { pattern: { use: "isolation", options: { dir: "../no-isolation" } } },
    });
    await loadFails(
      loadConfig(file),
      new RegExp(
        `^${escapeRegExp(file)}: the isolation app folder \\(pattern\\.options\\.dir\\) points to ` +
          `${escapeRegExp(join(root, "no-isolation"))}, which is not a folder$`,
      ),
    );
    await writeConfig(root, {
      build: { frontendDist: "../dist" },
      app: { security: { pattern: { use: "isolation", options: { dir: "../file.txt" } } } },
    });
    await loadFails(
      loadConfig(file),
      new RegExp(
        `isolation app folder .* points to ${escapeRegExp(join(root, "file.txt"))}, which is not a folder$`,
      ),
    );
    // The frontend folder is checked first.
    await writeConfig(root, {
      build: { distDir: "../nothing" },
      tauri: { pattern: { use: "isolation", options: { dir: "../nothing-either" } } },
    });
    await loadFails(loadConfig(file), /: the frontend folder /);
  }, { "file.txt": "x" });
});

Deno.test("parse: airlock.http is read, and its errors name the file and the field", () => {
  const config = parseConfig(
    { build: { distDir: "d" }, airlock: { http: { allow: ["https://api.example.com/*"], timeoutMs: 5000 } } },
    F,
    "/app",
  );
  assert.deepEqual(config.http.allow, ["https://api.example.com/*"]);
  assert.equal(config.http.timeoutMs, 5000);
  assert.equal(config.http.origin, "app://localhost");
  parseFails(
    { build: { distDir: "d" }, airlock: { http: { allow: ["https://ok.example/*", 7] } } },
    /^\/app\/tauri\.conf\.json: airlock\.http\.allow\[1\]/,
  );
  parseFails(
    { build: { distDir: "d" }, airlock: { http: { allowList: [] } } },
    /^\/app\/tauri\.conf\.json: airlock\.http\.allowList: unknown field/,
  );
});

Deno.test("parse: airlock.fs.scopes: folders relative to the config, absolute, or in the app's data folder", () => {
  const config = parseConfig(
    {
      build: { distDir: "d" },
      identifier: "dev.example.notes",
      airlock: {
        fs: {
          scopes: [
            { name: "appData", dir: "$APPDATA", write: true },
            { name: "exports", dir: "$APPDATA/exports", write: true },
            { name: "assets", dir: "assets" },
            { name: "shared", dir: "/srv/shared" },
          ],
        },
      },
    },
    F,
    "/app",
  );
  const data = config.fs[0].root;
  assert.match(data, /dev\.example\.notes$/);
  assert.deepEqual(config.fs.slice(1), [
    { name: "exports", root: join(data, "exports"), write: true },
    { name: "assets", root: "/app/assets", write: false },
    { name: "shared", root: "/srv/shared", write: false },
  ]);
  parseFails(
    { build: { distDir: "d" }, airlock: { fs: { scopes: [{ name: "a b", dir: "x" }] } } },
    /airlock\.fs\.scopes\.0\.name must be a name/,
  );
  parseFails(
    {
      build: { distDir: "d" },
      airlock: { fs: { scopes: [{ name: "a", dir: "x" }, { name: "a", dir: "y" }] } },
    },
    /airlock\.fs\.scopes\.1\.name "a" is used twice/,
  );
  parseFails(
    { build: { distDir: "d" }, airlock: { fs: { scopes: [{ name: "a" }] } } },
    /airlock\.fs\.scopes\.0\.dir is required/,
  );
});

Deno.test("parse: app.windows — labels, options, and what is not known is reported", () => {
  const base = { build: { frontendDist: "dist" } };
  const two = parseConfig(
    {
      ...base,
      app: { windows: [{ title: "One" }, { label: "prefs", url: "prefs.html", width: 300, height: 200 }] },
    },
    F,
    "/app",
  );
  assert.deepEqual(two.windows, [
    { label: "main", title: "One", url: "index.html", width: 800, height: 600 },
    { label: "prefs", title: "One", url: "prefs.html", width: 300, height: 200 },
  ]);
  const fail = (windows: unknown, pattern: RegExp) =>
    assert.throws(() => parseConfig({ ...base, app: { windows } }, F, "/app"), pattern);
  fail([{ label: "a" }, { label: "a" }], /app\.windows\.1\.label "a" is used twice/);
  fail([{}, {}], /app\.windows\.1\.label must be/);
  fail([{ label: "bad label!" }], /app\.windows\.0\.label must be/);
  fail([{ alwaysOnTopp: true }], /app\.windows\.0\.alwaysOnTopp is not a window option Airlock knows/);
  fail({ label: "x" }, /app\.windows must be a list/);
  fail([{ theme: "blue" }], /app\.windows\.0\.theme must be "light" or "dark"/);
  const themed = parseConfig(
    { ...base, app: { windows: [{ theme: "dark", resizable: false, minWidth: 200 }] } },
    F,
    "/app",
  );
  assert.deepEqual(themed.windows[0], {
    label: "main",
    title: "Airlock app",
    url: "index.html",
    width: 800,
    height: 600,
    theme: "dark",
    resizable: false,
    minWidth: 200,
  });
});

Deno.test("load: a config with comments and trailing commas (JSONC), strings untouched", async () => {
  await withProject(async (root) => {
    const file = join(root, "src-tauri", "airlock.conf.json");
    await Deno.writeTextFile(
      file,
      `// the app's config
{
  "productName": "Say \\"hi\\" // not a comment", /* a block
  comment */ "build": { "distDir": "../dist", },
  "tauri": { "pattern": { "use": "isolation", "options": { "dir": "../dist-isolation" } }, },
}
`,
    );
    const config = await loadConfig(file);
    assert.equal(config.app.name, 'Say "hi" // not a comment');
    assert.equal(config.frontendDir, join(root, "dist"));
  });
});
