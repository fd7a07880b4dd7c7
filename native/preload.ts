// Warming the dynamic linker on the second core. Opening WebKitGTK's ~160 libraries, and the Mesa and LLVM
// that GTK and WebKit load for their GL probing (even under Xvfb, where it renders in software), costs the
// main thread 80–140 ms before a window can exist: relocation work, not ours, done once per process. A
// worker does that loading while the main thread still reads the config and builds the isolation app;
// when the main thread opens the same libraries (native() in ffi.ts, gtk_init, the web context), glibc
// finds them loaded. The worker opens them with libc's dlopen and never closes them: a library closed
// by the worker (Deno.dlopen's handle on its exit) could be unloaded under WebKit's feet.
import { gpuPresent } from "./gpu.ts";

/** What the worker opens: the libraries the first window would load, in the order it loads them. */
function libraries(): string[] {
  const names = ["libwebkit2gtk-4.1.so.0"];
  // Without a GPU, GTK's GLX probe and WebKit's EGL display both end in Mesa's software driver.
  if (!gpuPresent()) {
    const dri = `/usr/lib/${Deno.build.arch}-linux-gnu/dri/swrast_dri.so`;
    names.push("libGLX_mesa.so.0", dri, "libEGL_mesa.so.0", "libGLESv2.so.2");
  }
  return names;
}

// The worker's whole program; a blob module, so it is in a compiled executable too. RTLD_NOW|RTLD_GLOBAL
// for Mesa's driver (how Mesa opens it), RTLD_LAZY for the rest (how Deno.dlopen does). A library that is
// missing is skipped: the main thread's own open says what is wrong.
const WORKER_SOURCE = `
const libc = Deno.dlopen("libc.so.6", { dlopen: { parameters: ["buffer", "i32"], result: "pointer" } });
self.onmessage = ({ data }) => {
  for (const name of data) {
    libc.symbols.dlopen(new TextEncoder().encode(name + "\\0"), name.endsWith("_dri.so") ? 0x102 : 0x1);
  }
  libc.close();
  self.postMessage("done");
  self.close();
};`;

let started: Promise<void> | null = null;

/**
 * Starts loading the native libraries on another thread, once per process; resolves when that is over
 * (never rejects: it is only a head start). Without FFI permission, or not on Linux, it does nothing.
 * @example
 * const warm = preloadNative(); // then read the config, build the isolation app…
 * await launchWindows();        // …and gtk_init finds the libraries loaded
 * await warm;
 */
export function preloadNative(): Promise<void> {
  if (started) return started;
  if (Deno.build.os !== "linux" || Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return started = Promise.resolve();
  }
  // JavaScriptCore moves its GC signal only if this is set before any WebKit code runs (see native()), and
  // setenv is not safe while another thread may read the environment: set it now, before the worker.
  Deno.env.set("JSC_SIGNAL_FOR_GC", "30");
  started = new Promise((resolve) => {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
    let worker: Worker;
    try {
      worker = new Worker(url, { type: "module" });
    } catch {
      URL.revokeObjectURL(url);
      return resolve();
    }
    const done = () => {
      worker.terminate();
      URL.revokeObjectURL(url);
      resolve();
    };
    worker.onmessage = done;
    worker.onerror = (event) => {
      event.preventDefault();
      done();
    };
    worker.postMessage(libraries());
  });
  return started;
}
