// The script injected into the app's top frame in the isolated world "airlock", at document start
// (bundled by build/bridge_bundle.ts into frontend/scripts.gen.ts). Primordials first.
import "../protocol/primordials.ts";
import { pageOrigin, win } from "./dom.ts";
import type { RelayConfig } from "../protocol/messages.ts";
import { startRelay } from "./relay.ts";

declare const AIRLOCK_CONFIG: RelayConfig;

// Never open a channel to the core for a document that is not the app's own.
if (pageOrigin === AIRLOCK_CONFIG.appOrigin) {
  // A second run on the same window means document.open() (see relay.ts): close, do not start over.
  const closeBridge = (win as unknown as { closeBridge?: (reason: string) => void }).closeBridge;
  if (typeof closeBridge === "function") {
    closeBridge("document.open() replaced the page's document: Airlock's bridge is closed; reload the page");
  } else {
    startRelay(AIRLOCK_CONFIG);
  }
}
