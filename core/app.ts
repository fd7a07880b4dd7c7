// The core: one app window, its two schemes, its isolation sessions, and the road from a sealed message
// to a command and back.
import { buildIsolationDocument, type IsolationDocument } from "../build/isolation.ts";
import { BRIDGE_WORLD, type BridgeConfig, CORE_HANDLER, ipcScript, relayScript } from "../frontend/bridge.ts";
import { type SchemeRequest, type SchemeResponse, Webview } from "../frontend/webview.ts";
import { sessionDocument } from "../isolation/document.ts";
import { readAsset } from "./assets.ts";
import { type AppConfig, loadConfig } from "./config.ts";
import { RejectedMessage } from "./envelope.ts";
import { IsolationSession } from "./session.ts";
import { type Answer, type CommandContext, type Commands, dispatch, encodeAnswer } from "./router.ts";

export const APP_ORIGIN = "app://localhost";
export const ISOLATION_URL = "isolation://localhost/";

export interface LaunchOptions {
  /** Path of a Tauri-shaped config file, or the parsed object (paths then relative to the cwd). */
  config: string | Record<string, unknown>;
  commands?: Commands;
  /** Window label, seen by commands and the isolation hook. */
  label?: string;
  /** Copy the page's console to stdout. */
  console?: boolean;
  /** Enable the web inspector (defaults to the config's airlock.devtools). */
  devtools?: boolean;
}

export interface AppHandle {
  readonly config: AppConfig;
  readonly label: string;
  /** Runs JS in the app's main frame (an expression or statements, `await` allowed) and returns the
   * JSON-serialisable result. `world: "airlock"` runs it beside the bridge instead, for testing the core's
   * own defences as if the page had broken out of its world. */
  evaluate(js: string, options?: { world?: string }): Promise<unknown>;
  /** Reloads the page (and so its isolation frame, with a fresh key). */
  reload(): Promise<void>;
  close(): Promise<void>;
  /** Settles when the window is gone, also when the user closed it. */
  readonly closed: Promise<void>;
}

const encoder = new TextEncoder();
const text = (status: number, body: string): SchemeResponse => ({
  status,
  contentType: "text/plain; charset=utf-8",
  body: encoder.encode(body),
});

export async function launch(options: LaunchOptions): Promise<AppHandle> {
  const config = await loadConfig(options.config);
  const commands = options.commands ?? {};
  const label = options.label ?? "main";
  const isolation = config.pattern.use === "isolation";
  const built: IsolationDocument | null = config.pattern.use === "isolation"
    ? await buildIsolationDocument(config.pattern.dir)
    : null;
  const context: CommandContext = {
    window: label,
    app: { name: config.app.name, version: config.app.version, identifier: config.app.identifier },
  };
  let session: IsolationSession | null = null;

  const audit = (reason: string, cmd?: string) =>
    console.error(`airlock: rejected message ${JSON.stringify({ window: label, reason, cmd })}`);

  const serveIsolation = async (request: SchemeRequest): Promise<SchemeResponse> => {
    // Only the iframe's own navigation may fetch the document: it carries no Origin header, whereas a
    // fetch() or XHR from the page does. Any other destination (script, image, …) is refused too.
    const destination = request.header("Sec-Fetch-Dest");
    if (!built || request.path !== "/" || request.header("Origin") !== null) return text(403, "forbidden");
    if (destination !== null && destination !== "iframe") return text(403, "forbidden");
    // Every load of the document is a new session: a reloaded iframe gets a new key, old messages die.
    const created = await IsolationSession.create(label);
    session = created.session;
    const document = await sessionDocument(built, {
      key: created.rawKey,
      sid: session.sid,
      window: label,
      appOrigin: APP_ORIGIN,
    });
    return {
      status: 200,
      contentType: "text/html; charset=utf-8",
      body: encoder.encode(document.html),
      headers: document.headers,
    };
  };

  const onMessage = async (wire: string): Promise<string> => {
    let answer: Answer;
    let cmd: string | undefined;
    try {
      const call = isolation ? await openSealed(wire) : openPlain(wire);
      cmd = call.cmd;
      answer = await dispatch(commands, call.id, call.cmd, call.payload, context);
    } catch (error) {
      if (!(error instanceof RejectedMessage)) throw error;
      audit(error.message);
      answer = { id: null, ok: false, error: `rejected by the core: ${error.message}` };
    }
    return encodeAnswer(answer, cmd);
  };

  const openSealed = (wire: string) => {
    if (!session) throw new RejectedMessage("no isolation session: the isolation frame has not loaded");
    return session.open(wire, config.limits.maxMessageBytes);
  };

  const bridge: BridgeConfig = {
    appOrigin: APP_ORIGIN,
    isolationUrl: isolation ? ISOLATION_URL : null,
    hookTimeoutMs: config.limits.hookTimeoutMs,
    readyTimeoutMs: config.limits.readyTimeoutMs,
  };
  const webview = new Webview({
    title: config.app.title,
    width: config.app.width,
    height: config.app.height,
    schemes: {
      app: (request) => readAsset(config.frontendDir, request.path),
      isolation: serveIsolation,
    },
    userScripts: [
      { source: relayScript(bridge), world: BRIDGE_WORLD },
      { source: ipcScript(bridge) },
    ],
    messageHandler: { name: CORE_HANDLER, world: BRIDGE_WORLD, onMessage },
    devtools: options.devtools ?? config.devtools,
    console: options.console ?? false,
  });
  await webview.load(`${APP_ORIGIN}/`);

  return {
    config,
    label,
    closed: webview.closed,
    evaluate: (js, evaluateOptions) => webview.evaluate(js, evaluateOptions?.world),
    reload: () => webview.reload(),
    close: () => webview.close(),
  };

  function openPlain(wire: string) {
    // Brownfield: no isolation, so the page's message is taken as sent; it must still be well-formed.
    if (wire.length > config.limits.maxMessageBytes) throw new RejectedMessage("message too large");
    let parsed: { id?: unknown; message?: { cmd?: unknown; payload?: unknown } };
    try {
      parsed = JSON.parse(wire);
    } catch {
      throw new RejectedMessage("message is not valid JSON");
    }
    const id = parsed?.id;
    const cmd = parsed?.message?.cmd;
    if (!Number.isSafeInteger(id) || typeof cmd !== "string" || cmd === "") {
      throw new RejectedMessage("malformed message");
    }
    return { id: id as number, cmd, payload: parsed.message?.payload ?? null };
  }
}
