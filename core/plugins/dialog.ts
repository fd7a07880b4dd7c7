// Tauri's dialog plugin (@tauri-apps/plugin-dialog): message/ask/confirm as message dialogs with Tauri's
// buttons and answers, open/save as file choosers (filters, defaultPath, multiple, directory), modal to the
// calling window. The dialogs are the host's (native/dialog.ts: GTK's); this module maps Tauri's shapes
// onto them. Unlike Tauri, a chosen path is not added to the fs or asset scopes.
import { dirname, isAbsolute, normalize } from "node:path";
import type { ChooserSpec } from "../../protocol/dialog.ts";
import type { PluginManifest } from "../permissions.ts";
import type { Commands } from "../router.ts";
import { type Schema, t } from "../schema.ts";

export type MessageKind = "info" | "warning" | "error";

/** The dialogs of one window, as the host shows them. */
export interface Dialogs {
  /** Buttons in the order shown, left to right; the last is the default. Resolves with the index of the
   * one clicked, or -1 when the dialog was closed without one. */
  message(spec: { title?: string; message: string; kind: MessageKind; buttons: string[] }): Promise<number>;
  /** The chosen paths, or null when cancelled. */
  choose(spec: ChooserSpec): Promise<string[] | null>;
}

/** An optional field that may also be null (Rust's Option). */
const maybe = <T>(schema: Schema<T>) => {
  const field = t.optional(schema);
  return { ...field, parse: (v: unknown, p: string) => v === null ? undefined : field.parse(v, p) };
};

const text = (max = 65536) => t.string({ max });
const kind = maybe(t.oneOf("info", "warning", "error", "Info", "Warning", "Error"));
const label = text(256);
const buttons = maybe({
  describe: "Ok, OkCancel, YesNo, YesNoCancel or custom labels",
  parse: (value: unknown, path: string) =>
    typeof value === "string"
      ? t.oneOf("Ok", "OkCancel", "YesNo", "YesNoCancel").parse(value, path)
      : t.object({
        OkCustom: t.optional(label),
        OkCancelCustom: t.optional(t.array(label, { max: 2 })),
        YesNoCancelCustom: t.optional(t.array(label, { max: 3 })),
      }).parse(value, path),
} as Schema<string | { OkCustom?: string; OkCancelCustom?: string[]; YesNoCancelCustom?: string[] }>);

const messageArgs = t.object({
  message: text(),
  title: maybe(text(1024)),
  kind,
  buttons,
  // The 2.0 package's message().
  okButtonLabel: maybe(label),
});
const askArgs = t.object({
  message: text(),
  title: maybe(text(1024)),
  kind,
  yesButtonLabel: maybe(label),
  noButtonLabel: maybe(label),
  okButtonLabel: maybe(label),
  cancelButtonLabel: maybe(label),
});

// serde ignores fields it does not know (pickerMode, fileAccessMode are mobile's): so does this.
const filters = maybe(t.array(t.object({ name: text(256), extensions: t.array(text(64), { max: 64 }) }), {
  max: 64,
}));
const fileOptions = {
  title: maybe(text(1024)),
  filters,
  defaultPath: maybe(text(4096)),
  canCreateDirectories: maybe(t.boolean()),
};
const openArgs = t.object({
  options: maybe(t.object({
    ...fileOptions,
    multiple: maybe(t.boolean()),
    directory: maybe(t.boolean()),
    recursive: maybe(t.boolean()),
  }, { extra: true })),
});
const saveArgs = t.object({ options: maybe(t.object(fileOptions, { extra: true })) });

/** A button: the label GTK shows (mnemonic) and the answer Tauri gives for it. */
type Button = [label: string, answer: string];
const OK: Button = ["_OK", "Ok"], CANCEL: Button = ["_Cancel", "Cancel"];
const YES: Button = ["_Yes", "Yes"], NO: Button = ["_No", "No"];
/** A label of the app's own, shown as it is (no mnemonic), answered as itself. */
const custom = (label: string): Button => [label.replaceAll("_", "__"), label];

/** Tauri's button sets, in GTK's order (the affirmative last); a dialog closed without a click answers as
 * its first button (Cancel, No), or Ok when it has only one. */
function buttonSet(spec: NonNullable<ReturnType<typeof messageArgs.parse>["buttons"]>): Button[] {
  if (spec === "Ok") return [OK];
  if (spec === "OkCancel") return [CANCEL, OK];
  if (spec === "YesNo") return [NO, YES];
  if (spec === "YesNoCancel") return [CANCEL, NO, YES];
  const { OkCustom, OkCancelCustom, YesNoCancelCustom } = spec as Record<string, string | string[]>;
  if (typeof OkCustom === "string") return [custom(OkCustom)];
  if (Array.isArray(OkCancelCustom) && OkCancelCustom.length === 2) {
    return [custom(OkCancelCustom[1]), custom(OkCancelCustom[0])];
  }
  if (Array.isArray(YesNoCancelCustom) && YesNoCancelCustom.length === 3) {
    return [custom(YesNoCancelCustom[2]), custom(YesNoCancelCustom[1]), custom(YesNoCancelCustom[0])];
  }
  throw new Error(
    "invalid arguments: args.buttons: expected Ok, OkCancel, YesNo, YesNoCancel or custom labels",
  );
}

const kindOf = (value: string | undefined): MessageKind => (value?.toLowerCase() ?? "info") as MessageKind;

/** Tauri's defaultPath: an existing folder opens there; a file, or a path that does not exist, opens in
 * its folder with its name. */
async function where(defaultPath: string | undefined): Promise<{ folder?: string; fileName?: string }> {
  if (defaultPath === undefined || defaultPath === "") return {};
  if (defaultPath.includes("\0")) throw new Error("defaultPath: must not contain NUL");
  const path = normalize(defaultPath);
  const isFolder = await Deno.stat(path).then((info) => info.isDirectory, () => false);
  if (isFolder) return { folder: isAbsolute(path) ? path : undefined };
  const slash = path.lastIndexOf("/");
  const fileName = path.slice(slash + 1);
  return { folder: isAbsolute(path) ? dirname(path) : undefined, ...(fileName ? { fileName } : {}) };
}

/** At most this many dialogs open at once in one window (a page cannot bury the user in them). */
export const MAX_OPEN_DIALOGS = 4;

export function dialogCommands(dialogs: Dialogs | undefined): Commands {
  let open = 0;
  const shown = async <T>(body: (system: Dialogs) => Promise<T>): Promise<T> => {
    if (!dialogs) throw new Error("no dialogs: this app runs without a desktop");
    if (open >= MAX_OPEN_DIALOGS) {
      throw new Error(`too many dialogs open in this window (${MAX_OPEN_DIALOGS})`);
    }
    open++;
    try {
      return await body(dialogs);
    } finally {
      open--;
    }
  };
  const ask = async (
    args: ReturnType<typeof askArgs.parse>,
    buttons: Button[],
  ): Promise<boolean> => {
    const clicked = await shown((system) =>
      system.message({
        title: args.title,
        message: args.message,
        kind: kindOf(args.kind),
        buttons: buttons.map(([label]) => label),
      })
    );
    return clicked === buttons.length - 1;
  };
  return {
    "plugin:dialog|message": async (raw) => {
      const args = messageArgs.parse(raw, "args");
      const set = args.buttons !== undefined
        ? buttonSet(args.buttons)
        : args.okButtonLabel !== undefined
        ? [custom(args.okButtonLabel)]
        : [OK];
      const clicked = await shown((system) =>
        system.message({
          title: args.title,
          message: args.message,
          kind: kindOf(args.kind),
          buttons: set.map(([label]) => label),
        })
      );
      return set[clicked < 0 ? 0 : clicked][1];
    },
    // The 2.0 package's ask() and confirm(): true for the affirmative button.
    "plugin:dialog|ask": (raw) => {
      const args = askArgs.parse(raw, "args");
      const yes = args.yesButtonLabel, no = args.noButtonLabel;
      return ask(args, yes || no ? [custom(no ?? "No"), custom(yes ?? "Yes")] : [NO, YES]);
    },
    "plugin:dialog|confirm": (raw) => {
      const args = askArgs.parse(raw, "args");
      const ok = args.okButtonLabel, cancel = args.cancelButtonLabel;
      return ask(args, ok || cancel ? [custom(cancel ?? "Cancel"), custom(ok ?? "Ok")] : [CANCEL, OK]);
    },
    "plugin:dialog|open": async (raw) => {
      const options = openArgs.parse(raw ?? {}, "args").options ?? {};
      const multiple = options.multiple ?? false;
      const paths = await shown(async (system) =>
        system.choose({
          action: options.directory ? "folder" : "open",
          title: options.title,
          filters: options.filters ?? [],
          ...await where(options.defaultPath),
          multiple,
          canCreateDirectories: options.canCreateDirectories,
        })
      );
      if (paths === null) return null;
      return multiple ? paths : paths[0];
    },
    "plugin:dialog|save": async (raw) => {
      const options = saveArgs.parse(raw ?? {}, "args").options ?? {};
      const paths = await shown(async (system) =>
        system.choose({
          action: "save",
          title: options.title,
          filters: options.filters ?? [],
          ...await where(options.defaultPath),
          multiple: false,
          canCreateDirectories: options.canCreateDirectories,
        })
      );
      return paths === null ? null : paths[0];
    },
  };
}

/** plugins/dialog/permissions: an allow-/deny- per command; dialog:default grants all five. */
export const DIALOG_MANIFEST: PluginManifest = {
  name: "dialog",
  commands: ["ask", "confirm", "message", "open", "save"],
  default: ["allow-ask", "allow-confirm", "allow-message", "allow-save", "allow-open"],
};
