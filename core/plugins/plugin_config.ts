// Tauri's `plugins` section of the config: each built-in plugin's own settings, under the key Tauri gives
// it (`plugins.sql.preload`), parsed by the plugin's module when the config is read.
import { type LogConfig, parseLogConfig } from "./log.ts";
import { parseSqlConfig, type SqlConfig } from "./sql.ts";

export interface PluginConfigs {
  sql: SqlConfig;
  log: LogConfig;
}

export function parsePluginConfigs(raw: unknown): PluginConfigs {
  if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    throw new Error("plugins must be an object (plugin name → its settings)");
  }
  const section = (raw ?? {}) as Record<string, unknown>;
  return { sql: parseSqlConfig(section.sql), log: parseLogConfig(section.log) };
}
