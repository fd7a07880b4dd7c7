// Serving the app's frontend files through the app:// scheme, confined to the frontend folder.
import { join, resolve, sep } from "node:path";
import { contentTypeOf } from "./mime.ts";
import { base64ToBytes } from "../protocol/seal.ts";
import type { IsolationDocument } from "../isolation/document.ts";
import type { AppPermissions, Capability } from "./capabilities.ts";

/** An app built by `deno task build` (build/embed.ts): config and assets in memory, no folders read. */
export interface EmbeddedApp {
  /** The config as written (Tauri's shape); folders in it are not read when embedded. */
  config: Record<string, unknown>;
  /** URL path ("/index.html") → file content, base64. */
  frontend: Record<string, string>;
  isolation: IsolationDocument | null;
  /** The capabilities in force when it was built (null: none, no checks). */
  capabilities?: Capability[] | null;
  appPermissions?: AppPermissions;
}

export interface Asset {
  status: number;
  contentType: string;
  body: Uint8Array;
  headers?: Record<string, string>;
}

const notFound = (): Asset => ({
  status: 404,
  contentType: "text/plain; charset=utf-8",
  body: new TextEncoder().encode("not found"),
});

/** The same from files embedded by `deno task build` (URL path → base64), with no folder on disk. */
export function embeddedAssets(files: Record<string, string>): (urlPath: string) => Asset {
  return (urlPath) => {
    let path: string;
    try {
      path = decodeURIComponent(urlPath.split(/[?#]/)[0]);
    } catch {
      return notFound();
    }
    if (path.endsWith("/")) path += "index.html";
    path = resolve("/", path).split(sep).join("/"); // "/a/../b" → "/b", as a folder would resolve it
    if (!Object.hasOwn(files, path)) return notFound();
    return {
      status: 200,
      contentType: contentTypeOf(path),
      body: base64ToBytes(files[path]),
    };
  };
}

/** The file for a URL path ("/" → index.html), or 404 for anything missing or outside root. */
export async function readAsset(root: string, urlPath: string): Promise<Asset> {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath.split(/[?#]/)[0]);
  } catch {
    return notFound();
  }
  if (relative.includes("\0")) return notFound();
  if (relative.endsWith("/")) relative += "index.html";
  const base = await Deno.realPath(root);
  try {
    // realPath also resolves symlinks, so a link pointing outside the folder is refused too.
    const file = await Deno.realPath(join(base, resolve("/", relative)));
    if (file !== base && !file.startsWith(base + sep)) return notFound();
    const body = await Deno.readFile(file);
    return {
      status: 200,
      contentType: contentTypeOf(file),
      body,
    };
  } catch {
    return notFound();
  }
}
