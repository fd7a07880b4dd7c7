// Dev only (`console: true`): the page's and the isolation app's console lines, readable in the terminal.
// WebKit prints each console message with the calling script's URL (for the isolation app, the keyed
// document's, one-time ticket included) and turns objects into "[object Object]". This script, injected
// into every frame's own world before any of its scripts, formats each call's arguments itself (objects,
// arrays, Maps, Sets, errors, cycles, %s/%d/%o) and passes WebKit one string, prefixed with the window's
// label, the frame (page or isolation) and the caller's file:line without query or fragment. Terminal
// control characters from a page are escaped, never written raw. Never injected outside dev.

/** The script for one window (its label in every line). */
export function devConsoleScript(label: string): string {
  // WebKit names the calling script before each line: this one's name, not "user-script:N".
  return `(${install.toString()})(${JSON.stringify(label)});\n//# sourceURL=airlock-dev-console\n`;
}

// Runs in the page: it may use only what a browser has. Not bundled, so no imports, no TypeScript helpers.
function install(label: string): void {
  const g = globalThis as unknown as Record<string, unknown> & { console: Record<string, unknown> };
  const mark = Symbol.for("airlock.devConsole");
  if ((g.console as Record<symbol, unknown>)[mark]) return;
  const protocol = (g.location as { protocol?: string } | undefined)?.protocol;
  const frame = protocol === "isolation:" ? "isolation" : g.top === g ? "page" : "frame";
  const NodeClass = g.Node as (abstract new () => object) | undefined;
  const MAX_DEPTH = 4, MAX_ITEMS = 100, MAX_CHARS = 8000;
  // deno-lint-ignore no-control-regex
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
  const clean = (text: string) =>
    text.replace(CONTROL, (c) => "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0"));
  const isIdentifier = (key: string) => /^[A-Za-z_$][\w$]*$/.test(key);

  const show = (value: unknown, depth: number, seen: unknown[]): string => {
    if (typeof value === "string") return depth === 0 ? value : JSON.stringify(value);
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "symbol") return value.toString();
    if (typeof value === "function") return `[Function${value.name ? ": " + value.name : " (anonymous)"}]`;
    if (value === null || typeof value !== "object") return String(value);
    if (seen.includes(value)) return "[Circular]";
    try {
      if (value instanceof Error) {
        const head = `${value.name}: ${value.message}`;
        const stack = typeof value.stack === "string" && value.stack
          ? "\n" + value.stack.split("\n").map((line) => "    at " + where(line)).join("\n")
          : "";
        return depth === 0 ? head + stack : `[${head}]`;
      }
      if (value instanceof Date) return isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
      if (value instanceof RegExp) return String(value);
      if (NodeClass && value instanceof NodeClass) {
        const element = value as { tagName?: string; nodeName?: string; id?: string; className?: unknown };
        if (!element.tagName) return `[${element.nodeName}]`;
        const id = element.id ? "#" + element.id : "";
        const classes = typeof element.className === "string" && element.className
          ? "." + element.className.trim().split(/\s+/).join(".")
          : "";
        return `<${element.tagName.toLowerCase()}${id}${classes}>`;
      }
      if (depth >= MAX_DEPTH) return Array.isArray(value) ? "[Array]" : "[Object]";
      const inner = [...seen, value];
      const items = (entries: string[], total: number) =>
        entries.concat(total > entries.length ? [`... ${total - entries.length} more`] : []);
      if (Array.isArray(value)) {
        const shown = value.slice(0, MAX_ITEMS).map((item) => show(item, depth + 1, inner));
        return `[ ${items(shown, value.length).join(", ")} ]`.replace("[  ]", "[]");
      }
      if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
        const array = Array.from(value as unknown as ArrayLike<number>).slice(0, MAX_ITEMS).map(String);
        const length = (value as unknown as ArrayLike<number>).length;
        return `${value.constructor.name}(${length}) [ ${items(array, length).join(", ")} ]`;
      }
      if (value instanceof Map) {
        const shown = [...value].slice(0, MAX_ITEMS).map(([k, v]) =>
          `${show(k, depth + 1, inner)} => ${show(v, depth + 1, inner)}`
        );
        return `Map(${value.size}) { ${items(shown, value.size).join(", ")} }`;
      }
      if (value instanceof Set) {
        const shown = [...value].slice(0, MAX_ITEMS).map((v) => show(v, depth + 1, inner));
        return `Set(${value.size}) { ${items(shown, value.size).join(", ")} }`;
      }
      if (value instanceof Promise) return "Promise {}";
      const keys = Object.keys(value);
      const shown = keys.slice(0, MAX_ITEMS).map((key) =>
        `${isIdentifier(key) ? key : JSON.stringify(key)}: ${
          show((value as Record<string, unknown>)[key], depth + 1, inner)
        }`
      );
      const name =
        value.constructor && value.constructor !== Object && typeof value.constructor === "function"
          ? value.constructor.name + " "
          : "";
      return shown.length ? `${name}{ ${items(shown, keys.length).join(", ")} }` : `${name}{}`;
    } catch (error) {
      return `[unreadable: ${(error as Error)?.message ?? error}]`;
    }
  };

  /** "file:line:col" of a stack line, the URL without query or fragment (no ticket), app paths short. */
  const where = (line: string) =>
    line.replace(/(?:app|isolation):\/\/[^/\s]*(\/[^\s?#:]*)(?:[?#][^\s:]*)?/g, "$1")
      .replace(/^([^@/]*)@/, (_, fn) => fn ? fn + " " : "");

  /** The caller's place: the first stack frame that is not this script's. */
  const caller = () => {
    const lines = String(new Error().stack ?? "").split("\n");
    // Frames of this script come first (show, format, the wrapper); the caller is the third.
    const line = lines[2] ?? "";
    const place = /([^\s@]*:\d+:\d+)$/.exec(line)?.[1];
    return place ? where(place) : "";
  };

  const format = (args: unknown[]) => {
    let rest = args;
    let head = "";
    if (typeof args[0] === "string" && /%[sdifoOc%]/.test(args[0])) {
      let i = 1;
      head = args[0].replace(/%([sdifoOc%])/g, (whole, spec) => {
        if (spec === "%") return "%";
        if (i >= args.length) return whole;
        const arg = args[i++];
        if (spec === "c") return ""; // CSS: nothing in a terminal
        if (spec === "s") return typeof arg === "string" ? arg : show(arg, 1, []);
        if (spec === "d" || spec === "i") return String(parseInt(String(arg), 10));
        if (spec === "f") return String(Number(arg));
        return show(arg, 1, []);
      });
      rest = args.slice(i);
    }
    const parts = rest.map((arg) => show(arg, 0, []));
    const text = head ? [head, ...parts].join(" ") : parts.join(" ");
    return clean(
      text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) + ` ... (${text.length} characters)` : text,
    );
  };

  const target = g.console;
  // console.trace keeps WebKit's own output: its point is the stack.
  for (const method of ["log", "info", "warn", "error", "debug"]) {
    const original = target[method];
    if (typeof original !== "function") continue;
    const wrapped = function (...args: unknown[]) {
      const place = caller();
      const prefix = `[${label} ${frame}${place ? " " + place : ""}]`;
      return (original as (text: string) => unknown).call(target, `${prefix} ${format(args)}`);
    };
    Object.defineProperty(wrapped, "name", { value: method });
    target[method] = wrapped;
  }
  Object.defineProperty(target, mark, { value: true });
}
