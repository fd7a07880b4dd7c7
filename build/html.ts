// A small HTML scanner for the isolation build. No HTML parser library: it follows the parts of the HTML
// tokenizer that decide what is a script, a style or a stylesheet link (comments, raw text elements,
// attribute quoting, the script end), which is all the build needs.

export interface Attribute {
  value: string;
  /** The attribute as written (name, "=", quotes, value), to copy it over unchanged. */
  raw: string;
}

export interface Tag {
  /** Lower-cased, as the tokenizer does. */
  name: string;
  closing: boolean;
  start: number;
  end: number;
  /** First of each (lower-cased) name wins, as in the tokenizer. */
  attributes: Map<string, Attribute>;
  /** For script, style, textarea…: where the element's text ends (the source length if never closed). */
  textEnd?: number;
}

// Between attributes: whitespace and stray "/". A name runs to whitespace, "/", ">" or "="; a quoted value
// may hold anything but its quote (so ">" and "src=" inside it are not markup); "$" lets an unclosed quote run
// to the end of the file, where the tokenizer drops the unfinished tag.
const TAG_NAME = /[^\t\n\f\r />]*/y;
const ATTRIBUTE_NAME = /[\t\n\f\r /]*([^\t\n\f\r />][^\t\n\f\r />=]*)?/y;
const ATTRIBUTE_VALUE = /[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)(?:"|$)|'([^']*)(?:'|$)|([^\t\n\f\r >]*))/y;
// Elements whose content is text, not markup (noscript too: scripting is on in the iframe).
const RAW_TEXT = new Set(["style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"]);

/** Reads the tag at html[start] ("<" then a letter, or "</" then a letter); null if the file ends inside it. */
export function readTag(html: string, start: number): Tag | null {
  const closing = html[start + 1] === "/";
  TAG_NAME.lastIndex = start + (closing ? 2 : 1);
  const name = TAG_NAME.exec(html)![0].toLowerCase();
  const attributes = new Map<string, Attribute>();
  let at = TAG_NAME.lastIndex;
  for (;;) {
    ATTRIBUTE_NAME.lastIndex = at;
    const attributeName = ATTRIBUTE_NAME.exec(html)![1];
    const nameEnd = ATTRIBUTE_NAME.lastIndex;
    if (attributeName === undefined) {
      return html[nameEnd] === ">" ? { name, closing, start, end: nameEnd + 1, attributes } : null;
    }
    ATTRIBUTE_VALUE.lastIndex = nameEnd;
    const value = ATTRIBUTE_VALUE.exec(html);
    at = value ? ATTRIBUTE_VALUE.lastIndex : nameEnd;
    const key = attributeName.toLowerCase();
    if (!attributes.has(key)) {
      attributes.set(key, {
        value: value ? value[1] ?? value[2] ?? value[3] : "",
        raw: html.slice(nameEnd - attributeName.length, at),
      });
    }
  }
}

/** Where a script's text ends, by the tokenizer's script data states: after "<!--", a "<script" hides the
 * next "</script>" (until "-->"), so the first "</script>" is not always the end. */
export function scriptTextEnd(html: string, from: number): number {
  const token = /<!--|-->|<(\/?)script(?=[\t\n\f\r />])/gi;
  token.lastIndex = from;
  let state: "data" | "escaped" | "double escaped" = "data";
  for (let match = token.exec(html); match; match = token.exec(html)) {
    if (match[0] === "<!--") {
      if (state === "data") state = "escaped";
      token.lastIndex = match.index + 2; // its "--" can start the "-->" of "<!-->"
    } else if (match[0] === "-->") {
      state = "data";
    } else if (match[1]) {
      if (state !== "double escaped") return match.index;
      state = "escaped";
    } else if (state === "escaped") {
      state = "double escaped";
    }
  }
  return html.length;
}

function textEnd(html: string, tag: Tag): number | undefined {
  if (tag.closing) return undefined;
  if (tag.name === "script") return scriptTextEnd(html, tag.end);
  if (tag.name === "plaintext") return html.length;
  if (!RAW_TEXT.has(tag.name)) return undefined;
  const close = new RegExp(`</${tag.name}(?=[\\t\\n\\f\\r />])`, "gi");
  close.lastIndex = tag.end;
  return close.exec(html)?.index ?? html.length;
}

/** Where a comment whose "<!--" ends at `from` ends: at "-->" or "--!>", at once for "<!-->" and "<!--->". */
function commentEnd(html: string, from: number): number {
  if (html.startsWith(">", from)) return from + 1;
  if (html.startsWith("->", from)) return from + 2;
  const end = /--!?>/g;
  end.lastIndex = from;
  return end.exec(html) ? end.lastIndex : html.length;
}

/** The document's tags in order, skipping comments, doctypes and raw text, where "<script" is not a tag. */
export function* tags(html: string): Generator<Tag> {
  let at = 0;
  while ((at = html.indexOf("<", at)) >= 0) {
    if (html.startsWith("<!--", at)) {
      at = commentEnd(html, at + 4);
    } else if (/^<\/?[a-z]/i.test(html.slice(at, at + 3))) {
      const tag = readTag(html, at);
      if (!tag) return;
      tag.textEnd = textEnd(html, tag);
      yield tag;
      at = tag.textEnd ?? tag.end;
    } else if (/^<[!?/]/.test(html.slice(at, at + 2))) {
      // Doctype, "<?…>", "</>" or "</ …>": the tokenizer reads them (as bogus comments) up to ">".
      const close = html.indexOf(">", at);
      at = close < 0 ? html.length : close + 1;
    } else {
      at++;
    }
  }
}

/** Where the end tag that closes a raw text element (at tag.textEnd) ends; the source length if unclosed. */
export function endTagEnd(html: string, tag: Tag): number {
  if (tag.textEnd === undefined || tag.textEnd >= html.length) return html.length;
  return readTag(html, tag.textEnd)?.end ?? html.length;
}

/** Strips ASCII whitespace from both ends, as HTML does for attribute values such as src, type and rel. */
export function trimHtmlSpace(text: string): string {
  return text.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "");
}

// The JavaScript MIME types of the HTML spec; any other type, but "module" and "importmap", is a data block.
const JAVASCRIPT_TYPE =
  /^(?:(?:application|text)\/(?:x-)?(?:ecma|java)script|text\/javascript1\.[0-5]|text\/(?:jscript|livescript))$/;

/** How the browser treats a script element, from its type (or legacy language) attribute. */
export function scriptKind(tag: Tag): "classic" | "module" | "importmap" | "data" {
  const language = tag.attributes.get("language")?.value;
  const type = trimHtmlSpace(tag.attributes.get("type")?.value ?? (language ? `text/${language}` : ""))
    .toLowerCase();
  if (type === "" || JAVASCRIPT_TYPE.test(type)) return "classic";
  return type === "module" || type === "importmap" ? type : "data";
}

/** The tokens of a rel attribute, lower-cased. */
export function relTokens(tag: Tag): string[] {
  return (tag.attributes.get("rel")?.value ?? "").toLowerCase().split(/[\t\n\f\r ]+/).filter(Boolean);
}

/** Line (1-based) and column (0-based, in UTF-16 units) of an offset, with CR LF and lone CR as line breaks. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).replace(/\r\n?/g, "\n");
  const lastBreak = before.lastIndexOf("\n");
  return { line: before.split("\n").length, column: before.length - lastBreak - 1 };
}
