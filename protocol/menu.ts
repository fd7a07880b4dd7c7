// A menu or menu item as the core's menu plugin keeps it (core/plugins/menu.ts) and the host shows it
// (native/menu.ts): read there, never changed.

export type ItemKind = "Menu" | "MenuItem" | "Predefined" | "Submenu" | "Check" | "Icon";

export interface MenuNode {
  /** Unique in the process: the host finds its widgets by it. */
  readonly key: number;
  readonly kind: ItemKind;
  readonly id: string;
  readonly text: string;
  readonly enabled: boolean;
  readonly checked: boolean;
  readonly accelerator: string | null;
  /** Predefined items: Tauri's name ("Separator", "Copy", "Quit"…). */
  readonly predefined: string | null;
  /** Menus and submenus: their items, in order. */
  readonly items: readonly MenuNode[];
}

/** Called when the user activates a leaf item; `checked` is the check state after the click. */
export type Activate = (node: MenuNode, checked: boolean) => void;
