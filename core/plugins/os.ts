// Tauri's os plugin (@tauri-apps/plugin-os). As in Tauri, most of it is not a command: the page reads
// `window.__TAURI_OS_PLUGIN_INTERNALS__` (platform, arch, family, version, os_type, eol, exe_extension),
// which the host injects into the page world at document start, read-only; only `locale` and `hostname`
// are commands ("plugin:os|locale", "plugin:os|hostname").
import type { PluginManifest } from "../permissions.ts";
import type { Commands } from "../router.ts";

/** What Tauri's init script puts on the page, with its field names (Rust's std::env::consts values). */
export interface OsInternals {
  eol: string;
  os_type: string;
  platform: string;
  family: string;
  version: string;
  arch: string;
  exe_extension: string;
}

const OS_TYPES: Record<string, string> = { linux: "linux", darwin: "macos", windows: "windows" };

/** This machine's values, as Tauri's os plugin reports them (version from /etc/os-release's VERSION_ID,
 * as the os_info crate reads it; "Unknown" without one). */
export function osInternals(): OsInternals {
  const os = Deno.build.os;
  return {
    eol: os === "windows" ? "\r\n" : "\n",
    os_type: OS_TYPES[os] ?? os,
    // Rust names darwin "macos"; the rest (linux, freebsd, …) as Deno does.
    platform: os === "darwin" ? "macos" : os,
    family: os === "windows" ? "windows" : "unix",
    version: osVersion(),
    arch: Deno.build.arch,
    exe_extension: os === "windows" ? "exe" : "",
  };
}

function osVersion(): string {
  for (const file of ["/etc/os-release", "/usr/lib/os-release"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    const match = /^VERSION_ID=["']?([^"'\n]*)["']?$/m.exec(text);
    if (match && match[1]) return match[1];
    return "Unknown";
  }
  return "Unknown";
}

/** The script that defines `window.__TAURI_OS_PLUGIN_INTERNALS__` in the page world: a frozen object on
 * a non-writable, non-configurable property, so no page script can change what later code reads. */
export function osInitScript(internals: OsInternals = osInternals()): string {
  return `Object.defineProperty(window, "__TAURI_OS_PLUGIN_INTERNALS__", ` +
    `{ value: Object.freeze(${
      JSON.stringify(internals)
    }), writable: false, configurable: false, enumerable: false });`;
}

/**
 * The locale as a BCP-47 tag ("en-US" for LANG=en_US.UTF-8), from LC_ALL, LC_MESSAGES then LANG as POSIX
 * orders them; null when none names one (unset, "C", "POSIX").
 */
export function locale(
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string | null {
  for (const name of ["LC_ALL", "LC_MESSAGES", "LANG"]) {
    const value = env(name);
    if (!value) continue;
    // language[_territory][.codeset][@modifier]
    const match = /^([A-Za-z]{2,8})(?:_([A-Za-z0-9]{2,8}))?(?:\.[^@]*)?(?:@.*)?$/.exec(value);
    if (!match || value === "C" || value === "POSIX") return null;
    return match[2] ? `${match[1]}-${match[2]}` : match[1];
  }
  return null;
}

/** gethostname(): the kernel's node name (read from /proc when Deno may not ask the system). */
function hostname(): string {
  try {
    return Deno.hostname();
  } catch (error) {
    try {
      return Deno.readTextFileSync("/proc/sys/kernel/hostname").trim();
    } catch {
      throw new Error(`cannot read the host name: ${(error as Error).message}`);
    }
  }
}

export function osCommands(): Commands {
  return {
    "plugin:os|locale": () => locale(),
    "plugin:os|hostname": () => hostname(),
  };
}

/** plugins/os/permissions: one allow-/deny- per function; the default grants all but the host name. */
export const OS_MANIFEST: PluginManifest = {
  name: "os",
  commands: ["arch", "exe_extension", "family", "hostname", "locale", "os_type", "platform", "version"],
  default: [
    "allow-arch",
    "allow-exe-extension",
    "allow-family",
    "allow-locale",
    "allow-os-type",
    "allow-platform",
    "allow-version",
  ],
};
