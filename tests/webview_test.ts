// Every test that opens a real window, gathered in one test module: GTK and WebKit live on the thread
// that first used them, and `deno test` gives each test file a thread of its own.
import "./webview/isolation_path.ts";
import "./webview/events.ts";
import "./webview/attacks.ts";
import "./webview/bridge_integrity.ts";
import "./webview/windows.ts";
import "./webview/capabilities.ts";
import "./webview/page_security.ts";
import "./webview/navigation.ts";
import "./webview/tauri_window.ts";
import "./webview/limits.ts";
import "./webview/tauri_compat.ts";
import "./webview/apis.ts";
import "./webview/dev.ts";
import "./webview/http.ts";
import "./webview/plugin_http.ts";
import "./webview/assets.ts";
import "./webview/fs.ts";
import "./webview/plugin_fs.ts";
import "./webview/demo.ts";
import "./webview/host.ts";
import "./webview/plugin_os.ts";
import "./webview/plugin_process.ts";
import "./webview/plugin_store.ts";
import "./webview/dev_restart.ts";
import "./webview/readme.ts";
import "./webview/plugin_sql.ts";
