// A window's navigation decisions (core/navigation.ts) carried out: an app page asked for in a new window
// opens as an app window when the app lets pages open windows; a link out of the app goes to the system's
// opener when the window may use it; everything refused is one audit line.
import type { WindowConfig } from "../core/config.ts";
import { auditableUrl, navigationVerdict } from "../core/navigation.ts";
import type { WindowPolicy } from "../core/policy.ts";
import { MAX_WINDOWS } from "../core/plugins/webview.ts";
import { RateLimit } from "../core/rate.ts";
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
  /** Has the page's bridge ask the system's opener for a URL (an invoke of plugin:opener|open_url, seen by
   * the isolation hook and checked by the core). Absent: nothing is opened outside the app. */
  openExternal?(url: string): Promise<void>;
}

const AUDIT_LINES_PER_SECOND = 5;

/** The window's decide-policy answer: true lets the frame go. */
export function navigationHandler(parts: NavigationParts): (request: NavigationRequest) => boolean {
  let opened = 0;
  const externalOpens = new RateLimit(2);
  // A few audit lines a second at most, then a count of the others: a page refused in a loop must not
  // flood the log.
  let second = -Infinity, lines = 0, unsaid = 0;
  const refuse = (reason: string) => {
    const now = performance.now();
    if (now - second >= 1000) {
      second = now;
      lines = 0;
    }
    if (lines >= AUDIT_LINES_PER_SECOND) {
      unsaid++;
      return false;
    }
    const more = unsaid ? ` (and ${unsaid} more refused before this)` : "";
    parts.audit({ window: parts.label, reason: reason + more });
    lines++;
    unsaid = 0;
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
        // The audit line names no path: an app page's query may carry a secret too.
        const may = parts.policy?.check("plugin:webview|create_webview_window") ?? { allowed: true };
        if (!parts.allowPageWindows || !may.allowed) {
          return refuse(
            "a new window for an app page refused: pages may open windows only with airlock.allowPageWindows" +
              " and core:webview:allow-create-webview-window",
          );
        }
        if (!request.userGesture) {
          return refuse("a new window for an app page refused: not started by the user");
        }
        if (parts.labels().length >= MAX_WINDOWS) {
          return refuse(`a new window for an app page refused: too many windows (limit ${MAX_WINDOWS})`);
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
          .catch((error) => refuse(`a new window for an app page failed: ${(error as Error).message}`));
        return false;
      }
      case "external": {
        if (!request.userGesture) return refuse(`navigation to ${where} refused: not started by the user`);
        // One click may not open a hundred browser tabs: a couple a second, then refused.
        if (!externalOpens.take()) {
          return refuse(`navigation to ${where} refused: too many links opened at once`);
        }
        if (!parts.openExternal) return refuse(`navigation to ${where} refused: it is outside the app`);
        parts.openExternal(verdict.url).catch((error) =>
          refuse(`navigation to ${where} refused: ${(error as Error).message ?? error}`)
        );
        return false;
      }
    }
  };
}
