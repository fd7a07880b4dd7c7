// The demo's isolation app: every IPC message from the frontend passes through this hook before the core
// sees it. It applies the two checks the isolation pattern's documentation suggests.
const APP_ORIGIN = "app://localhost";

function refuse(reason) {
  throw new Error(reason);
}

window.__TAURI_ISOLATION_HOOK__ = (message, context) => {
  console.log("hook", message.cmd, "from window", context && context.window);
  const args = message.payload || {};

  // 1. A file call may only name a relative path inside the app's data folder.
  if (message.cmd === "read_file") {
    const path = String(args.path || "");
    if (path.startsWith("/") || path.split(/[\\/]/).includes("..") || path.includes("\0")) {
      refuse(`path "${path}" is outside the app's folder`);
    }
  }

  // 2. An HTTP call may only set the Origin header to the app's own origin.
  if (message.cmd === "prepare_request") {
    const headers = args.headers || {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() === "origin" && value !== APP_ORIGIN) {
        refuse(`Origin header "${value}" is not the app's origin`);
      }
    }
  }
  return message;
};
