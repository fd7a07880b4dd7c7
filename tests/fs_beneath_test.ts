// The scoped file system with the kernel-confined backend (native/beneath.ts, openat2 beneath each scope's
// root), as an app's host installs it: every test of tests/fs_test.ts again (named "openat2: …"), but for
// the path-based backend's own race tests (tests/fs_race_test.ts races both backends for real).
import { installFsBackend } from "../host/fs.ts";

if (installFsBackend() !== "openat2") throw new Error("openat2(2) is not available here: nothing to test");

const register = Deno.test;
const renamed =
  ((name: unknown, ...rest: unknown[]) =>
    typeof name === "string"
      ? (register as (...args: unknown[]) => void)(`openat2: ${name}`, ...rest)
      : (register as (...args: unknown[]) => void)(name, ...rest)) as typeof Deno.test;
Object.defineProperty(Deno, "test", { value: renamed, configurable: true, writable: true });
try {
  await import("./fs_test.ts");
} finally {
  Object.defineProperty(Deno, "test", { value: register, configurable: true, writable: true });
}
