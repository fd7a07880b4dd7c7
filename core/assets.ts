// Serving the app's frontend files through the app:// scheme, confined to the frontend folder.
import { extname, join, resolve, sep } from "node:path";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
};

export interface Asset {
  status: number;
  contentType: string;
  body: Uint8Array;
}

const notFound = (): Asset => ({
  status: 404,
  contentType: "text/plain; charset=utf-8",
  body: new TextEncoder().encode("not found"),
});

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
      contentType: MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
      body,
    };
  } catch {
    return notFound();
  }
}
