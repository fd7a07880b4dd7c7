// Airlock's public module: what an app, a test or an outside harness needs.
export { type AppHandle, type AppSetup, launch, type LaunchOptions } from "./host/app.ts";
export type { WindowHandle } from "./host/window.ts";
export { type AuditEntry, MAX_CALLS_IN_FLIGHT } from "./core/window.ts";
export { APP_ORIGIN } from "./protocol/messages.ts";
export { type AppConfig, ConfigError, loadConfig } from "./core/config.ts";
export { command, type CommandContext, type CommandHandler, type Commands } from "./core/router.ts";
export { type Infer, type Schema, t, ValidationError } from "./core/schema.ts";
export type { EventListener, EventMessage } from "./core/events.ts";
export { NativeUnavailableError } from "./native/ffi.ts";
export { IsolationBuildError } from "./isolation/document.ts";
