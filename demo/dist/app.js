// The demo frontend: plain script, calls the core through Tauri's global invoke.
const { invoke } = window.__TAURI__.core;
const log = document.getElementById("log");

async function call(label, cmd, args) {
  const item = document.createElement("li");
  try {
    const value = await invoke(cmd, args);
    item.className = "ok";
    item.textContent = `${label}: ✔ ${typeof value === "string" ? value : JSON.stringify(value)}`;
  } catch (error) {
    item.className = "refused";
    item.textContent = `${label}: ✘ ${error.message}`;
  }
  log.prepend(item);
}

const on = (id, handler) => document.getElementById(id).addEventListener("click", handler);
on("greet", () => call("greet", "greet", { name: document.getElementById("name").value }));
on("read-ok", () => call("read data/hello.txt", "read_file", { path: "data/hello.txt" }));
on("read-bad", () => call("read ../../etc/passwd", "read_file", { path: "../../etc/passwd" }));
on("http-ok", () =>
  call("request with app origin", "prepare_request", {
    url: "https://api.example/items",
    headers: { Origin: "app://localhost" },
  }));
on("http-bad", () =>
  call("request with foreign origin", "prepare_request", {
    url: "https://api.example/items",
    headers: { Origin: "https://evil.example" },
  }));
on("slow", () => call("wait", "wait", { ms: 300 }));

call("greet on load", "greet", { name: "world" });
