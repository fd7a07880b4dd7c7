// A window's navigation decisions (core/navigation.ts) carried out: an app page asked for in a new window
// opens as an app window when the app lets pages open windows; a link out of the app goes to the system's
// opener when the window may use it; everything refused is one audit line.
import type { WindowConfig } from "../core/config.ts";
import { auditableUrl, navigationVerdict } from "../core/navigation.ts";
import type { WindowPolicy } from "../core/policy.ts";
import type { AuditEntry } from "../core/window.ts";
import type { NavigationRequest } from "../native/webview.ts";

export interface NavigationParts {
  label: string;
  policy?: WindowPolicy;
  audit(entry: AuditEntry): void;
  /** airlock.allowPageWindows: pages may open app windows. */
  allowPageWindows: boolean;
  openWindow(spec: WindowConfig): Promise<unknown>;
  labels(): string[];
  /** The title of a window opened for a page. */
  title: string;
  /** The dev server's origin, in dev with build.devUrl. */
  devOrigin?: string | null;
  /** Opens a URL with the system's opener, if this window's capabilities let it; rejects with why not.
   * Absent: nothing is opened outside the app. */
  openExternal?(url: string): Promise<void>;
}

/** The window's decide-policy answer: true lets the frame go. */
export function navigationHandler(parts: NavigationParts): (request: NavigationRequest) => boolean {
  let opened = 0;
  const refuse = (reason: string) => {
    parts.audit({ window: parts.label, reason });
    return false;
  };
  return (request) => {
    const verdict = navigationVerdict(request.uri, {
      newWindow: request.newWindow,
      devOrigin: parts.devOrigin,
    });
    const where = auditableUrl(request.uri);
    switch (verdict.kind) {
      case "allow":
        return true;
      case "refuse":
        return refuse(`navigation to ${where} refused: ${verdict.reason}`);
      case "app-window": {
        const may = parts.policy?.check("plugin:webview|create_webview_window") ?? { allowed: true };
        if (!parts.allowPageWindows || !may.allowed) {
          return refuse(
            `a new window for ${verdict.path} refused: pages may open windows only with airlock.allowPageWindows` +
              " and core:webview:allow-create-webview-window",
          );
        }
        let label: string;
        do label = `${parts.label}-${++opened}`; while (parts.labels().includes(label));
        parts.openWindow({
          label,
          title: parts.title,
          url: verdict.path.replace(/^\/+/, ""),
          width: 800,
          height: 600,
        })
          .catch((error) => refuse(`a new window for ${verdict.path} failed: ${(error as Error).message}`));
        return false;
      }
      case "external": {
        if (!request.userGesture) return refuse(`navigation to ${where} refused: not started by the user`);
        if (!parts.openExternal) return refuse(`navigation to ${where} refused: it is outside the app`);
        parts.openExternal(verdict.url).catch((error) =>
          refuse(`navigation to ${where} refused: ${(error as Error).message ?? error}`)
        );
        return false;
      }
    }
  };
}
