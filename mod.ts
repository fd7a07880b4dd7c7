// Airlock's public module: what an app, a test or an outside harness needs.
export { APP_ORIGIN, type AppHandle, type AuditEntry, launch, type LaunchOptions } from "./core/app.ts";
export { type AppConfig, ConfigError, loadConfig } from "./core/config.ts";
export { command, type CommandContext, type CommandHandler, type Commands } from "./core/router.ts";
export { type Infer, type Schema, t, ValidationError } from "./core/schema.ts";
export type { EventListener, EventMessage } from "./core/events.ts";
export { NativeUnavailableError } from "./frontend/ffi.ts";
export { IsolationBuildError } from "./build/isolation.ts";
