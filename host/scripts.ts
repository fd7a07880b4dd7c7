// The bridge's scripts as the host injects them: each bundled module (frontend/scripts.gen.ts) behind a
// constant holding its settings. The page world's script never carries a secret.
import { PAGE_SCRIPT, RELAY_SCRIPT } from "../frontend/scripts.gen.ts";
import { withConfig } from "../isolation/document.ts";
import type { PageConfig, RelayConfig } from "../protocol/messages.ts";
import { osInitScript } from "../core/plugins/os.ts";
import { notificationInitScript } from "../core/plugins/notification.ts";

export { BRIDGE_WORLD, CORE_HANDLER } from "../protocol/messages.ts";
export type { PageConfig, RelayConfig };

/** The script for the privileged "airlock" world of the app's top frame. */
export const relayScript = (config: RelayConfig): string => withConfig(RELAY_SCRIPT, config);

/** The script for the page's own world. */
export const pageScript = (config: PageConfig): string => withConfig(PAGE_SCRIPT, config);

/** The built-in plugins' init scripts for the page world, as Tauri's plugins inject theirs (plugin-os reads
 * window.__TAURI_OS_PLUGIN_INTERNALS__; plugin-notification calls window.Notification). */
export const pluginInitScript = (): string => `${osInitScript()}\n${notificationInitScript()}`;
