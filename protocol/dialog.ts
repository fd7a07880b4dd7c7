// A file chooser as Tauri's dialog plugin asks for it (core/plugins/dialog.ts) and GTK shows it
// (native/dialog.ts).

export interface ChooserSpec {
  action: "open" | "save" | "folder";
  title?: string;
  filters: { name: string; extensions: string[] }[];
  /** The folder it opens in. */
  folder?: string;
  /** open: a file selected at start; save: the name proposed. */
  fileName?: string;
  multiple: boolean;
  canCreateDirectories?: boolean;
}
