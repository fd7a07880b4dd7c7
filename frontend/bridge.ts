// The two scripts injected into the app's top frame at document start, before any page script: the page's
// API (ipc.ts, in the page's own world) and the relay to the core (relay.ts, in the isolated world
// "airlock"). WebKit runs the page-world script first; either creates the isolation iframe element if the
// other has not, so both hold the real one before a page script could plant a look-alike. Both are shipped
// as source text, so each is self-contained apart from what is assembled here.

import { sealSource } from "../isolation/seal.ts";
import { wireSource } from "../isolation/wire.ts";
import { ipcMain } from "./ipc.ts";
import { relayMain } from "./relay.ts";

export const BRIDGE_WORLD = "airlock";
export const CORE_HANDLER = "airlockCore";

export interface BridgeConfig {
  appOrigin: string;
  /** This window's label (Tauri's metadata.currentWindow.label). */
  window: string;
  /** null in the brownfield pattern (no isolation): the page's calls go to the core unsealed. */
  isolationUrl: string | null;
  hookTimeoutMs: number;
  readyTimeoutMs: number;
  /** Shared by this window's relay and each isolation document served to it, and nobody else: the iframe
   * proves with it that it is the isolation runtime before the page's calls are sent to it. */
  linkSecret: string;
  /** The longest string the relay passes to the core (what maxMessageBytes takes in base64). */
  maxWireChars: number;
}

/** The browser as these scripts see it; Deno's type library has no DOM. */
export interface FrameGlobals {
  location: { origin: string };
  document: {
    documentElement: { appendChild(node: unknown): void };
    addEventListener(type: "load", listener: (event: Event) => void, capture: boolean): void;
    createElement(tag: "iframe"): IsolationFrame;
    createElement(tag: "div"): HTMLElementLike;
    querySelector(selector: string): IsolationFrame | null;
  };
  addEventListener(type: "message", listener: (event: MessageEvent) => void, capture?: boolean): void;
  postMessage(data: unknown, targetOrigin: string, transfer?: MessagePort[]): void;
  webkit: { messageHandlers: Record<string, { postMessage(text: string): Promise<string> }> };
}
export interface HTMLElementLike {
  setAttribute(name: string, value: string): void;
  remove(): void;
  textContent: string;
}
export interface IsolationFrame {
  contentWindow: { postMessage(data: unknown, targetOrigin: string): void } | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  addEventListener(type: "load", listener: () => void): void;
  style: { display: string };
  src: string;
}

/** Finds the isolation iframe, or creates it: run at document start, before any page script. */
export function isolationFrame(page: FrameGlobals): IsolationFrame {
  const existing = page.document.querySelector("iframe[data-airlock-isolation]");
  if (existing) return existing;
  const frame = page.document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts");
  frame.setAttribute("data-airlock-isolation", "");
  frame.style.display = "none";
  page.document.documentElement.appendChild(frame);
  return frame;
}

/** The script for the privileged "airlock" world. */
export function relayScript(config: BridgeConfig): string {
  return `"use strict";(() => {\n${sealSource()}\n${wireSource()}\n${isolationFrame}\n${relayMain}\nrelayMain(${
    JSON.stringify(config)
  }, ${JSON.stringify(CORE_HANDLER)});\n})();`;
}

/** The script for the page's own world. */
export function ipcScript(config: BridgeConfig): string {
  // The link secret is the relay's and the isolation runtime's alone: not even the page world's script
  // carries it.
  const pageConfig = { ...config, linkSecret: "" };
  return `"use strict";(() => {\n${isolationFrame}\n${ipcMain}\nipcMain(${
    JSON.stringify(pageConfig)
  });\n})();`;
}
