// The demo frontend, as an ES module: Airlock's API imported from the module the core serves (the same
// functions are on window.airlock, and invoke on window.__TAURI__.core).
import { currentWindow, fs, http, invoke, listen } from "/__airlock/api.js";

const log = document.getElementById("log");
const show = (label, ok, text) => {
  const item = document.createElement("li");
  item.className = ok ? "ok" : "refused";
  item.textContent = `${label}: ${ok ? "✔" : "✘"} ${text}`;
  log.prepend(item);
};
async function call(label, run) {
  try {
    const value = await run();
    show(label, true, typeof value === "string" ? value : JSON.stringify(value));
  } catch (error) {
    show(label, false, String(error?.message ?? error)); // Tauri rejects with a string
  }
}
const on = (id, handler) => document.getElementById(id).addEventListener("click", handler);
const name = () => document.getElementById("name").value;

on("greet", () => call("greet", () => invoke("greet", { name: name() })));
on("greet-bad", () => call("greet with a number", () => invoke("greet", { name: 42 })));

on("read-ok", () => call("read hello.txt", () => fs.readTextFile("hello.txt", { baseDir: "demo" })));
on(
  "read-bad",
  () => call("read ../../etc/passwd", () => fs.readTextFile("../../etc/passwd", { baseDir: "demo" })),
);
on("write-note", () =>
  call("write and read a note", async () => {
    const text = `note written at ${new Date().toLocaleTimeString()}`;
    await fs.writeTextFile("note.txt", text, { baseDir: "notes" });
    return await fs.readTextFile("note.txt", { baseDir: "notes" });
  }));
on(
  "write-ro",
  () => call("write into the demo scope", () => fs.writeTextFile("x.txt", "x", { baseDir: "demo" })),
);

const service = () => invoke("service_url");
on("http-ok", () =>
  call("fetch loopback service", async () => {
    const response = await http.fetch(await service(), { responseType: "json" });
    return `${response.status}: ${response.body.message}; Origin seen: ${response.body.originSeen}`;
  }));
on(
  "http-bad",
  () =>
    call(
      "fetch with a foreign Origin",
      async () => await http.fetch(await service(), { headers: { Origin: "https://evil.example" } }),
    ),
);
on("http-outside", () => call("fetch https://example.com", () => http.fetch("https://example.com/")));

await listen("tick", (event) => show("event tick", true, JSON.stringify(event.payload)));
on("ticker", () => call("start ticker", () => invoke("start_ticker", { count: 3 })));
on("title", () => call("rename window", () => currentWindow.setTitle(`Airlock demo — renamed by ${name()}`)));

call("greet on load", () => invoke("greet", { name: "world" }));
