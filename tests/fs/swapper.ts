// The race test's attacker, run as a worker: swaps a folder inside the scope for a symlink to a folder
// outside and back, as fast as it can, until the deadline; then reports how many swaps it made.
/// <reference lib="deno.worker" />

self.onmessage = (event: MessageEvent<{ folder: string; aside: string; link: string; until: number }>) => {
  const { folder, aside, link, until } = event.data;
  let swaps = 0;
  while (Date.now() < until) {
    Deno.renameSync(folder, aside);
    Deno.renameSync(link, folder); // now the symlink is at the folder's name
    Deno.renameSync(folder, link);
    Deno.renameSync(aside, folder); // and the real folder is back
    swaps += 2;
  }
  self.postMessage(swaps);
};
