// What the WebDriver specs share: whether the app the driver started is still running.

/** Pids of the processes whose command line names `needle` (the app the driver started). Read by grep:
 * Deno lets only --allow-all read /proc. The first character in brackets keeps grep's own command line
 * (and bash's) from matching. */
export async function processesNaming(needle: string): Promise<number[]> {
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = `[${escaped[0]}]${escaped.slice(1)}`;
  const out = await new Deno.Command("bash", {
    args: ["-c", 'grep -slaE -- "$0" /proc/[0-9]*/cmdline', pattern],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).map((file) =>
    Number(file.split("/")[2])
  );
}

/** Waits until no process names `needle`; false if one still does after `ms`. */
export async function gone(needle: string, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await processesNaming(needle)).length === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
