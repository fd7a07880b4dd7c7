// Content types of the files an app serves (app:// and asset://), by extension: what a web frontend ships
// and loads (documents, scripts, styles, images, fonts, audio, video, subtitles, manifests, data, models,
// archives). The types are the IANA-registered ones as the `mime-db` / `mime` packages list them, with
// `charset=utf-8` on text, as browsers want it; an unknown extension is application/octet-stream.

const UTF8 = "; charset=utf-8";

const TYPES: Record<string, string> = {
  // Documents, scripts, styles, data
  html: "text/html" + UTF8,
  htm: "text/html" + UTF8,
  xhtml: "application/xhtml+xml",
  js: "text/javascript" + UTF8,
  mjs: "text/javascript" + UTF8,
  cjs: "text/javascript" + UTF8,
  css: "text/css" + UTF8,
  json: "application/json",
  map: "application/json",
  jsonld: "application/ld+json",
  webmanifest: "application/manifest+json",
  xml: "application/xml",
  xsl: "application/xml",
  rss: "application/rss+xml",
  atom: "application/atom+xml",
  txt: "text/plain" + UTF8,
  text: "text/plain" + UTF8,
  md: "text/markdown" + UTF8,
  markdown: "text/markdown" + UTF8,
  csv: "text/csv" + UTF8,
  tsv: "text/tab-separated-values" + UTF8,
  ics: "text/calendar" + UTF8,
  vtt: "text/vtt" + UTF8,
  srt: "application/x-subrip",
  yaml: "text/yaml" + UTF8,
  yml: "text/yaml" + UTF8,
  toml: "application/toml",
  wasm: "application/wasm",
  pdf: "application/pdf",
  rtf: "application/rtf",
  epub: "application/epub+zip",
  // Images
  png: "image/png",
  apng: "image/apng",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jpe: "image/jpeg",
  jfif: "image/jpeg",
  pjpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  heic: "image/heic",
  heif: "image/heif",
  jxl: "image/jxl",
  svg: "image/svg+xml",
  svgz: "image/svg+xml",
  ico: "image/x-icon",
  cur: "image/x-icon",
  bmp: "image/bmp",
  tif: "image/tiff",
  tiff: "image/tiff",
  // Fonts
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  ttc: "font/collection",
  eot: "application/vnd.ms-fontobject",
  // Audio
  mp3: "audio/mpeg",
  mpga: "audio/mpeg",
  m4a: "audio/mp4",
  aac: "audio/aac",
  wav: "audio/wav",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  opus: "audio/ogg",
  weba: "audio/webm",
  flac: "audio/flac",
  mid: "audio/midi",
  midi: "audio/midi",
  // Video
  mp4: "video/mp4",
  m4v: "video/mp4",
  mp4v: "video/mp4",
  webm: "video/webm",
  ogv: "video/ogg",
  mov: "video/quicktime",
  mkv: "video/x-matroska",
  avi: "video/x-msvideo",
  mpeg: "video/mpeg",
  mpg: "video/mpeg",
  m3u8: "application/vnd.apple.mpegurl",
  mpd: "application/dash+xml",
  "3gp": "video/3gpp",
  // 3D, archives, binaries
  glb: "model/gltf-binary",
  gltf: "model/gltf+json",
  obj: "model/obj",
  stl: "model/stl",
  zip: "application/zip",
  gz: "application/gzip",
  tar: "application/x-tar",
  "7z": "application/x-7z-compressed",
  br: "application/octet-stream",
  bin: "application/octet-stream",
};

export const OCTET_STREAM = "application/octet-stream";

/** The Content-Type for a file name or path ("a/b.WOFF2" → "font/woff2"). */
export function contentTypeOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  if (dot < 0) return OCTET_STREAM;
  const extension = name.slice(dot + 1).toLowerCase();
  return Object.hasOwn(TYPES, extension) ? TYPES[extension] : OCTET_STREAM;
}
