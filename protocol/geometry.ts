// Sizes, positions and monitors as Tauri's API carries them: physical pixels (PhysicalSize,
// PhysicalPosition, Monitor), shared by the window plugin (core) and the GTK window (native).

export interface Size {
  width: number;
  height: number;
}
export interface Position {
  x: number;
  y: number;
}
/** Tauri's Monitor: physical pixels. */
export interface Monitor {
  name: string | null;
  size: Size;
  position: Position;
  workArea: { position: Position; size: Size };
  scaleFactor: number;
}
