// Whether WebKit and Mesa will render on a GPU here: decides WebKit's compositing policy (webview.ts) and
// which of Mesa's libraries the preload opens (preload.ts).

let gpu: boolean | null = null;

/** Whether the machine has a GPU render node (/dev/dri/renderD*); AIRLOCK_GPU=0/1 overrides. */
export function gpuPresent(): boolean {
  let forced: string | undefined;
  try {
    forced = Deno.env.get("AIRLOCK_GPU");
  } catch { /* no env permission: detect */ }
  if (forced === "0" || forced === "1") return forced === "1";
  if (gpu === null) {
    try {
      gpu = [...Deno.readDirSync("/dev/dri")].some((entry) => entry.name.startsWith("renderD"));
    } catch {
      gpu = false;
    }
  }
  return gpu;
}
