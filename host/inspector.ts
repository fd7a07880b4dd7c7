// Dev's isolation inspector (`main.ts dev --inspector`): a window of its own listing every call as it
// happens — window, command, what the isolation hook did (passed it, rewrote it — with the difference —,
// or refused it, and why), what the core did (ran it, refused it or failed, and why) and the time taken;
// filterable. The relay reports each call when it ends (a POST to INSPECT_PATH with its world's IPC
// token, so page scripts cannot add to it); the inspector's window is a separate webview with no bridge:
// nothing in an app page can reach it. Never opened outside dev.
import { Webview } from "../native/webview.ts";
import type { SchemeRequest, SchemeResponse } from "../protocol/scheme.ts";

export type HookVerdict = "passed" | "rewrote" | "refused" | "not reached" | "none (brownfield)";
export type CoreVerdict = "ran" | "refused" | "failed" | "not sent";

export interface InspectorEntry {
  at: string;
  window: string;
  cmd: string;
  hook: HookVerdict;
  core: CoreVerdict;
  /** Why the hook or the core refused, or how the command failed. */
  reason: string | null;
  /** The rewritten fields, "- before" / "+ after" lines (empty unless rewrote). */
  diff: string[];
  hookMs: number | null;
  ms: number;
}

/** What the relay POSTs for one call. */
interface Report {
  before: { cmd?: unknown; payload?: unknown; options?: unknown } | null;
  after: { cmd?: unknown; payload?: unknown; options?: unknown } | null;
  hookMs: number | null;
  ms: number;
  ok: boolean;
  error: string | null;
}

const HOOK_REFUSED = "isolation hook refused the call: ";

/** Turns the relay's report on one call into a row. */
export function entryOf(window: string, report: Report, isolated: boolean, at = new Date()): InspectorEntry {
  const before = report.before ?? {};
  const error = report.error ?? "";
  let hook: HookVerdict;
  let core: CoreVerdict;
  let reason: string | null = null;
  let diff: string[] = [];
  if (!isolated) hook = "none (brownfield)";
  else if (report.after) {
    // What the hook may change, as the runtime passes it on: the command, its payload and options.
    const fields = (m: Report["before"]) => ({
      cmd: m?.cmd,
      payload: m?.payload ?? null,
      options: m?.options ?? null,
    });
    diff = difference(fields(before), fields(report.after));
    hook = diff.length ? "rewrote" : "passed";
  } else if (error.startsWith(HOOK_REFUSED)) {
    hook = "refused";
    reason = error.slice(HOOK_REFUSED.length);
  } else hook = "not reached";
  if (report.ok) core = "ran";
  else if (hook === "refused" || (isolated && !report.after)) {
    core = "not sent";
    reason ??= error;
  } else {
    // The core's own refusals (capabilities, shapes, limits) and a command's error both reject the call.
    core = /^(rejected by the core|invalid arguments|unknown command|.* not allowed for window)/.test(error)
      ? "refused"
      : "failed";
    reason = error;
  }
  return {
    at: at.toISOString().slice(11, 23),
    window,
    cmd: String((report.after ?? before).cmd ?? before.cmd ?? "?"),
    hook,
    core,
    reason,
    diff,
    hookMs: report.hookMs,
    ms: report.ms,
  };
}

/** Line-by-line difference of two calls' JSON (cmd, payload, options), "- " for what went, "+ " for what
 * came. */
function difference(before: unknown, after: unknown): string[] {
  const lines = (value: unknown) => JSON.stringify(sorted(value), null, 1).split("\n").map((l) => l.trim());
  const a = lines(before), b = lines(after);
  if (a.join("\n") === b.join("\n")) return [];
  const inB = new Set(b), inA = new Set(a);
  return [
    ...a.filter((line) => !inB.has(line)).map((l) => `- ${l}`),
    ...b.filter((l) => !inA.has(l)).map((l) => `+ ${l}`),
  ];
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== "object") return value ?? null;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sorted((value as Record<string, unknown>)[key]);
  return out;
}

/** Whether two tokens are equal, in time that does not depend on where they differ. */
export function sameToken(a: string | null, b: string): boolean {
  if (a === null || a.length !== b.length) return false;
  let differ = 0;
  for (let i = 0; i < a.length; i++) differ |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return differ === 0;
}

/** The inspector of one app: its rows and its window. */
export class Inspector {
  readonly entries: InspectorEntry[] = [];
  #view: Webview | null = null;
  #ready = false;
  #pending: InspectorEntry[] = [];

  constructor(private readonly isolated: boolean, private readonly title: string) {}

  /** Opens the window (once). */
  open(): void {
    if (this.#view) return;
    this.#view = new Webview({
      title: `Isolation inspector — ${this.title}`,
      width: 1000,
      height: 420,
      schemes: { app: (request: SchemeRequest) => page(request) },
      userScripts: [],
      // A dev tool, not one of the app's windows: WebDriver tests never see it.
      automatable: false,
      // No bridge: the handler lives in a world no script of this page has.
      messageHandler: {
        name: "airlockInspector",
        world: "airlock-inspector",
        onMessage: () => Promise.resolve(""),
      },
    });
    void this.#view.load("app://localhost/").then(
      () => {
        this.#ready = true;
        const pending = this.#pending;
        this.#pending = [];
        for (const entry of pending) this.#show(entry);
      },
      (error) => console.error(`airlock: the isolation inspector did not load: ${(error as Error).message}`),
    );
  }

  /** One call's report from a window's relay (the caller has checked the relay's token). */
  record(window: string, reportText: string): void {
    let report: Report;
    try {
      report = JSON.parse(reportText);
    } catch {
      return;
    }
    if (report === null || typeof report !== "object") return;
    const entry = entryOf(window, report, this.isolated);
    this.entries.push(entry);
    if (this.entries.length > 5000) this.entries.shift();
    if (this.#ready) this.#show(entry);
    else this.#pending.push(entry);
  }

  /** Runs JS in the inspector's own page (for tests). */
  evaluate(js: string): Promise<unknown> {
    if (!this.#view) return Promise.reject(new Error("the inspector is not open"));
    return this.#view.evaluate(js);
  }

  close(): Promise<void> {
    const view = this.#view;
    this.#view = null;
    return view ? view.close() : Promise.resolve();
  }

  #show(entry: InspectorEntry): void {
    void this.#view?.evaluate(`window.addEntry(${JSON.stringify(entry)}); true`).catch(() => {});
  }
}

function page(request: SchemeRequest): SchemeResponse {
  if (request.path !== "/") return { status: 404, contentType: "text/plain", body: new Uint8Array() };
  return {
    status: 200,
    contentType: "text/html; charset=utf-8",
    body: new TextEncoder().encode(PAGE),
    headers: {
      "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
    },
  };
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Isolation inspector</title>
<style>
  body { font: 12px system-ui, sans-serif; margin: 0; }
  header { position: sticky; top: 0; background: #f4f4f4; padding: 6px; border-bottom: 1px solid #ccc; }
  input { width: 320px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
  .refused, .failed { color: #b00020; } .rewrote { color: #8a5a00; } .ran, .passed { color: #1b5e20; }
  pre { margin: 2px 0 0; font-size: 11px; white-space: pre-wrap; }
</style>
<header><input id="filter" placeholder="filter: window, command, verdict, reason…"> <span id="count">0 calls</span></header>
<table><thead><tr><th>time</th><th>window</th><th>command</th><th>hook</th><th>core</th><th>why</th><th>ms</th></tr></thead>
<tbody id="rows"></tbody></table>
<script>
  const rows = document.getElementById("rows"), filter = document.getElementById("filter");
  const count = document.getElementById("count");
  const cell = (tr, text, cls) => { const td = tr.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; };
  const matches = (tr) => tr.dataset.text.includes(filter.value.toLowerCase());
  window.addEntry = (e) => {
    const tr = rows.insertRow();
    cell(tr, e.at); cell(tr, e.window); cell(tr, e.cmd);
    const hook = cell(tr, e.hook, e.hook.split(" ")[0]);
    if (e.diff.length) { const pre = document.createElement("pre"); pre.textContent = e.diff.join("\\n"); hook.append(pre); }
    cell(tr, e.core, e.core.split(" ")[0]); cell(tr, e.reason ?? "");
    cell(tr, (e.hookMs === null ? "" : e.hookMs + " / ") + e.ms);
    tr.dataset.text = [e.window, e.cmd, e.hook, e.core, e.reason ?? "", ...e.diff].join(" ").toLowerCase();
    tr.dataset.entry = JSON.stringify(e);
    tr.hidden = !matches(tr);
    count.textContent = rows.rows.length + " calls";
  };
  filter.addEventListener("input", () => { for (const tr of rows.rows) tr.hidden = !matches(tr); });
</script>`;
