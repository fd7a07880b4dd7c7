// The README's code blocks, as a reader sees them: language, text, and the file a block says it is (its
// first line's comment, as in "// commands.ts, next to the config").
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface Block {
  lang: string;
  code: string;
  /** 1-based line of the block's first code line in README.md. */
  line: number;
  /** The first line's comment, without the slashes ("" when there is none). */
  label: string;
}

export function readmeBlocks(): Block[] {
  const text = Deno.readTextFileSync(`${ROOT}README.md`);
  const blocks: Block[] = [];
  for (const match of text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    const line = text.slice(0, match.index).split("\n").length + 1;
    const code = match[2];
    blocks.push({ lang: match[1], code, line, label: /^\/\/ ?(.*)/.exec(code)?.[1] ?? "" });
  }
  return blocks;
}

/** The one block whose label starts with `label`. */
export function block(label: string): Block {
  const found = readmeBlocks().filter((b) => b.label.startsWith(label));
  if (found.length !== 1) throw new Error(`README: ${found.length} blocks labelled "${label}…"`);
  return found[0];
}

/** The one block of language `lang` that contains `text`. */
export function blockWith(lang: string, text: string): Block {
  const found = readmeBlocks().filter((b) => b.lang === lang && b.code.includes(text));
  if (found.length !== 1) throw new Error(`README: ${found.length} ${lang} blocks with "${text}"`);
  return found[0];
}
