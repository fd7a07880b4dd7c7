// JSON with comments and trailing commas (JSONC), as editors and Tauri's docs write configs.

/** `text` with line and block comments and trailing commas taken out, strings left as they are. */
export function withoutComments(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      out += text.slice(start, i + 1);
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
      out += " ";
    } else {
      out += c;
    }
  }
  // A comma before a closing bracket or brace (after the comments are gone).
  return out.replace(/,(\s*[\]}])/g, "$1");
}
