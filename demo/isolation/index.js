// The demo's isolation app: every IPC message from the frontend passes through this hook before the core
// sees it. It applies the two checks the isolation pattern's documentation suggests. (The core enforces its
// own scopes and Origin policy as well, so a weak hook is not the only guard.)
const APP_ORIGIN = "app://localhost";

function refuse(reason) {
  throw new Error(reason);
}

window.__TAURI_ISOLATION_HOOK__ = (message, context) => {
  console.log("hook", message.cmd, "from window", context && context.window);
  const args = message.payload || {};

  // 1. A file call may only name a relative path inside one of the app's folders.
  if (message.cmd.startsWith("plugin:fs|")) {
    const path = String(args.path);
    if (path.startsWith("/") || path.split(/[\\/]/).includes("..") || path.includes("\0") || !args.baseDir) {
      refuse(`path "${path}" is outside the app's folders`);
    }
  }

  // 2. An HTTP call may only set the Origin header to the app's own origin.
  if (message.cmd === "plugin:http|fetch") {
    for (const [name, value] of Object.entries(args.headers || {})) {
      if (name.toLowerCase() === "origin" && value !== APP_ORIGIN) {
        refuse(`Origin header "${value}" is not the app's origin`);
      }
    }
  }
  return message;
};
