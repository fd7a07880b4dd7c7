// Every built-in plugin's permission manifest, for capabilities to resolve identifiers against. A plugin
// module exports its own manifest; add its import and list entry here.
import type { PluginManifest } from "../permissions.ts";
import { CORE_MANIFESTS } from "./core_manifests.ts";
import { FS_MANIFEST } from "./fs.ts";
import { HTTP_MANIFEST } from "./http.ts";
import { OS_MANIFEST } from "./os.ts";
import { OPENER_MANIFEST } from "./opener.ts";
import { LOG_MANIFEST } from "./log.ts";
import { SQL_MANIFEST } from "./sql.ts";
import { STORE_MANIFEST } from "./store.ts";
import { PROCESS_MANIFEST } from "./process.ts";
import { CLIPBOARD_MANIFEST } from "./clipboard.ts";
import { DIALOG_MANIFEST } from "./dialog.ts";
import { NOTIFICATION_MANIFEST } from "./notification.ts";

export const MANIFESTS: PluginManifest[] = [
  ...CORE_MANIFESTS,
  FS_MANIFEST,
  HTTP_MANIFEST,
  OS_MANIFEST,
  OPENER_MANIFEST,
  LOG_MANIFEST,
  SQL_MANIFEST,
  STORE_MANIFEST,
  PROCESS_MANIFEST,
  CLIPBOARD_MANIFEST,
  DIALOG_MANIFEST,
  NOTIFICATION_MANIFEST,
];
