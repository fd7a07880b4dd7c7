// The script injected into the app's top frame, page world, at document start (bundled by
// build/bridge_bundle.ts into frontend/scripts.gen.ts). Primordials first: they must be taken before
// anything else runs.
import { defineProperty } from "../protocol/primordials.ts";
import { pageOrigin, win } from "./dom.ts";
import { createPageBridge } from "./page.ts";
import { installPageApi } from "./page_api.ts";
import type { PageConfig } from "../protocol/messages.ts";

declare const AIRLOCK_CONFIG: PageConfig;

// document.open() runs the user scripts again on the same window: the first bridge stays (and the relay
// closes it, see relay.ts); this copy does nothing. The marker is non-configurable: a page cannot
// remove it to make this copy start over.
if (!("__AIRLOCK_BRIDGE__" in win) && pageOrigin === AIRLOCK_CONFIG.appOrigin) {
  defineProperty(win, "__AIRLOCK_BRIDGE__", { __proto__: null, value: true } as PropertyDescriptor);
  installPageApi(win, createPageBridge(), AIRLOCK_CONFIG);
}
