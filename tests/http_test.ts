// Tests of the HTTP API (core/http.ts) against real local servers: what the page may fetch, what the server
// receives (it echoes the request), redirects, time and size limits, and the config section's errors.
import assert from "node:assert/strict";
import {
  checkTauriRequest,
  FORBIDDEN_HEADERS,
  HTTP_DEFAULTS,
  HttpError,
  httpFetch,
  type HttpPolicy,
  isForbiddenRequestHeader,
  parseHttpPolicy,
  UrlRules,
  urlScopePattern,
} from "../core/http.ts";

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

interface TestServer extends AsyncDisposable {
  base: string;
  /** Paths requested so far, to prove a refused request never left the core. */
  hits: string[];
}

const encoder = new TextEncoder();

function stream(
  total: number,
  chunkSize = 16 * 1024,
): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      const size = Math.min(chunkSize, total - sent);
      if (size <= 0) return controller.close();
      controller.enqueue(new Uint8Array(size).fill(120));
      sent += size;
    },
  });
}

/** A body that sends its first bytes, then nothing until the test ends (the client gave up long before). */
function stallingBody(release: Promise<void>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async start(controller) {
      controller.enqueue(encoder.encode("first chunk"));
      await release;
      try {
        controller.close();
      } catch { /* cancelled by the client */ }
    },
  });
}

async function route(request: Request, release: Promise<void>): Promise<Response> {
  const url = new URL(request.url);
  const query = url.searchParams;
  switch (url.pathname) {
    case "/echo":
      return Response.json({
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
      });
    case "/text":
      return new Response("héllo wörld", { headers: { "content-type": "text/plain; charset=utf-8" } });
    case "/bytes":
      return new Response(new Uint8Array([0, 1, 2, 0xff, 0xfe, 104, 105]));
    case "/json":
      return Response.json({ ok: true, list: [1, 2, 3] });
    case "/html":
      return new Response("<h1>oops</h1>", { status: 500, headers: { "content-type": "text/html" } });
    case "/empty":
      return new Response(null, { status: 204 });
    case "/cookie": {
      const headers = new Headers({ "x-kept": "yes" });
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      return new Response("ok", { headers });
    }
    case "/redirect":
      return new Response(null, {
        status: Number(query.get("status") ?? 302),
        headers: { location: query.get("to") ?? "/echo" },
      });
    case "/chain": {
      // /chain?n=3 redirects three times, then lands on /echo.
      const n = Number(query.get("n"));
      return new Response(null, {
        status: 302,
        headers: { location: n > 0 ? `/chain?n=${n - 1}` : "/echo" },
      });
    }
    case "/stall":
      await release; // the test's end; the client gave up long before
      return new Response("too late");
    case "/stall-body":
      return new Response(stallingBody(release));
    case "/declared":
      // Announces 5 MB and stalls: only a check of the declared length ends this before the timeout.
      return new Response(stallingBody(release), { headers: { "content-length": "5000000" } });
    case "/big":
      return new Response(stream(Number(query.get("bytes"))));
    default:
      return new Response("not found", { status: 404 });
  }
}

function serve(): TestServer {
  const release = Promise.withResolvers<void>();
  const hits: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    hits.push(url.pathname + url.search);
    return route(request, release.promise);
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    hits,
    async [Symbol.asyncDispose]() {
      release.resolve();
      await server.shutdown();
    },
  };
}

function policy(server: TestServer, overrides: Partial<HttpPolicy> = {}): HttpPolicy {
  return {
    allow: [`${server.base}/*`],
    origin: "app://localhost",
    allowOriginOverride: false,
    timeoutMs: 5000,
    maxResponseBytes: 1024 * 1024,
    maxRequestBytes: 1024 * 1024,
    ...overrides,
  };
}

async function refused(promise: Promise<unknown>, pattern: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof HttpError, `expected HttpError, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

async function echo(
  server: TestServer,
  request: Partial<Parameters<typeof httpFetch>[0]>,
  p = policy(server),
) {
  const response = await httpFetch({ url: `${server.base}/echo`, responseType: "json", ...request }, p);
  return response.body as Echo;
}

Deno.test("GET text: status, headers, final URL and a UTF-8 body", async () => {
  await using server = serve();
  const response = await httpFetch({ url: `${server.base}/text` }, policy(server));
  assert.equal(response.status, 200);
  assert.equal(response.statusText, "OK");
  assert.equal(response.url, `${server.base}/text`);
  assert.equal(response.headers["content-type"], "text/plain; charset=utf-8");
  assert.equal(response.body, "héllo wörld");
});

Deno.test("GET bytes and json; bad UTF-8 in a text body becomes U+FFFD", async () => {
  await using server = serve();
  const bytes = await httpFetch({ url: `${server.base}/bytes`, responseType: "bytes" }, policy(server));
  assert.ok(bytes.body instanceof Uint8Array);
  assert.deepEqual([...bytes.body], [0, 1, 2, 0xff, 0xfe, 104, 105]);
  const text = await httpFetch({ url: `${server.base}/bytes`, responseType: "text" }, policy(server));
  assert.equal(text.body, "\0\x01\x02\ufffd\ufffdhi");
  const json = await httpFetch({ url: `${server.base}/json`, responseType: "json" }, policy(server));
  assert.deepEqual(json.body, { ok: true, list: [1, 2, 3] });
  // An HTTP error status is an answer, not an HttpError.
  const missing = await httpFetch({ url: `${server.base}/nowhere` }, policy(server));
  assert.equal(missing.status, 404);
  assert.equal(missing.body, "not found");
});

Deno.test("POST string and byte bodies reach the server; method names are case-insensitive", async () => {
  await using server = serve();
  const text = await echo(server, { method: "post", body: "name=Ada", headers: { "Content-Type": "x/y" } });
  assert.equal(text.method, "POST");
  assert.equal(text.body, "name=Ada");
  assert.equal(text.headers["content-type"], "x/y");
  const bytes = await echo(server, { method: "PUT", body: encoder.encode("bytes ✓") });
  assert.equal(bytes.method, "PUT");
  assert.equal(bytes.body, "bytes ✓");
  for (const method of ["PATCH", "DELETE", "OPTIONS"]) {
    assert.equal((await echo(server, { method })).method, method);
  }
  const head = await httpFetch({ url: `${server.base}/text`, method: "HEAD" }, policy(server));
  assert.equal(head.status, 200);
  assert.equal(head.body, "");
});

Deno.test("json: a body that is not JSON is an HttpError; an empty body is null", async () => {
  await using server = serve();
  await refused(
    httpFetch({ url: `${server.base}/html`, responseType: "json" }, policy(server)),
    /response \(status 500, text\/html\) is not valid JSON/,
  );
  const empty = await httpFetch({ url: `${server.base}/empty`, responseType: "json" }, policy(server));
  assert.equal(empty.status, 204);
  assert.equal(empty.body, null);
});

Deno.test("a URL not in the allow-list is refused before anything is sent; an empty list allows nothing", async () => {
  await using server = serve();
  const narrow = policy(server, { allow: [`${server.base}/text`] });
  assert.equal((await httpFetch({ url: `${server.base}/text` }, narrow)).status, 200);
  await refused(httpFetch({ url: `${server.base}/echo` }, narrow), /\/echo" is not allowed/);
  // An exact path in URLPattern syntax leaves the query free, "…/text?" pins it empty.
  assert.equal((await httpFetch({ url: `${server.base}/text?x=1` }, narrow)).status, 200);
  const pinned = policy(server, { allow: [`${server.base}/text?`] });
  await refused(httpFetch({ url: `${server.base}/text?x=1` }, pinned), /\/text\?x=1" is not allowed/);
  await refused(httpFetch({ url: `${server.base}/text` }, policy(server, { allow: [] })), /is not allowed/);
  // Another host, port or scheme does not match a pattern for this one.
  const port = Number(new URL(server.base).port);
  for (
    const url of [
      `http://localhost:${port}/text`,
      `http://127.0.0.1:${port + 1}/text`,
      `https://127.0.0.1:${port}/`,
    ]
  ) {
    await refused(httpFetch({ url }, policy(server)), /is not allowed/);
  }
  assert.deepEqual(server.hits, ["/text", "/text?x=1"]);
});

Deno.test("only http and https: other schemes, relative URLs and credentials are refused", async () => {
  await using server = serve();
  const anything = policy(server, { allow: ["*://*/*", "*:*"] });
  for (
    const url of [
      "file:///etc/passwd",
      "data:text/plain,hi",
      "javascript:alert(1)",
      "ftp://127.0.0.1/x",
      "blob:x",
    ]
  ) {
    await refused(httpFetch({ url }, anything), /only http: and https: URLs can be fetched/);
  }
  await refused(httpFetch({ url: "/echo" }, anything), /"\/echo" is not a valid absolute URL/);
  await refused(
    httpFetch({ url: server.base.replace("//", "//user:secret@") + "/echo" }, anything),
    /contains credentials/,
  );
  assert.deepEqual(server.hits, []);
});

Deno.test("redirects: an allowed one is followed, a disallowed hop is refused, at most 10", async () => {
  await using server = serve();
  await using elsewhere = serve();
  const followed = await httpFetch({ url: `${server.base}/redirect?to=/text` }, policy(server));
  assert.equal(followed.body, "héllo wörld");
  assert.equal(followed.url, `${server.base}/text`);

  const away = `${server.base}/redirect?to=${encodeURIComponent(`${elsewhere.base}/echo`)}`;
  await refused(httpFetch({ url: away }, policy(server)), /redirect to ".*\/echo" is not allowed/);
  assert.deepEqual(elsewhere.hits, []);
  const both = policy(server, { allow: [`${server.base}/*`, `${elsewhere.base}/*`] });
  assert.equal((await httpFetch({ url: away, responseType: "json" }, both)).url, `${elsewhere.base}/echo`);

  await refused(
    httpFetch({ url: `${server.base}/redirect?to=file:///etc/passwd` }, policy(server)),
    /redirect to "file:\/\/\/etc\/passwd": only http: and https:/,
  );
  assert.equal((await httpFetch({ url: `${server.base}/chain?n=9` }, policy(server))).status, 200);
  await refused(
    httpFetch({ url: `${server.base}/chain?n=10` }, policy(server)),
    /too many redirects \(more than 10\)/,
  );
  // A 3xx without a Location is an answer like any other.
  const noLocation = await httpFetch({ url: `${server.base}/empty` }, policy(server));
  assert.equal(noLocation.status, 204);
});

Deno.test("redirects: 303, and POST after 301/302, become a GET without body; 307/308 keep both", async () => {
  await using server = serve();
  const post = (status: number, method = "POST") =>
    echo(server, {
      url: `${server.base}/redirect?status=${status}&to=/echo`,
      method,
      body: "payload",
      headers: { "content-type": "text/plain", "x-kept": "1" },
    });
  for (const status of [301, 302, 303]) {
    const got = await post(status);
    assert.equal(got.method, "GET", `after ${status}`);
    assert.equal(got.body, "");
    assert.equal(got.headers["content-type"], undefined);
    assert.equal(got.headers["x-kept"], "1");
  }
  assert.equal((await post(303, "PUT")).method, "GET");
  for (const status of [301, 302]) {
    const put = await post(status, "PUT");
    assert.deepEqual([put.method, put.body], ["PUT", "payload"], `PUT after ${status}`);
  }
  for (const status of [307, 308]) {
    const got = await post(status);
    assert.deepEqual([got.method, got.body, got.headers["content-type"]], ["POST", "payload", "text/plain"]);
  }
});

Deno.test("a redirect to another origin drops Authorization and sends Origin: null", async () => {
  await using server = serve();
  await using elsewhere = serve();
  const both = policy(server, { allow: [`${server.base}/*`, `${elsewhere.base}/*`] });
  const headers = { authorization: "Bearer secret" };
  const same = await echo(server, { url: `${server.base}/redirect?to=/echo`, headers }, both);
  assert.equal(same.headers.authorization, "Bearer secret");
  assert.equal(same.headers.origin, "app://localhost");
  const away = `${server.base}/redirect?to=${encodeURIComponent(`${elsewhere.base}/echo`)}`;
  const other = await echo(server, { url: away, headers }, both);
  assert.equal(other.headers.authorization, undefined);
  assert.equal(other.headers.origin, "null");
});

Deno.test("Origin is forced to the policy's (the page's is overwritten), or absent when the policy has none", async () => {
  await using server = serve();
  assert.equal((await echo(server, {})).headers.origin, "app://localhost");
  const forged = await echo(server, { headers: { Origin: "https://evil.example" } });
  assert.equal(forged.headers.origin, "app://localhost");
  const none = policy(server, { origin: null });
  assert.equal((await echo(server, {}, none)).headers.origin, undefined);
  assert.equal(
    (await echo(server, { headers: { origin: "https://evil.example" } }, none)).headers.origin,
    undefined,
  );
});

Deno.test("Origin override: the page's Origin is kept when the policy allows it", async () => {
  await using server = serve();
  const open = policy(server, { allowOriginOverride: true });
  const own = await echo(server, { headers: { Origin: "https://app.example.com" } }, open);
  assert.equal(own.headers.origin, "https://app.example.com");
  assert.equal((await echo(server, {}, open)).headers.origin, "app://localhost");
  assert.equal((await echo(server, { headers: { origin: "" } }, open)).headers.origin, undefined);
});

Deno.test("forbidden request headers are dropped (Cookie included); the others pass", async () => {
  await using server = serve();
  const forbidden = {
    "Accept-Charset": "utf-8",
    "Accept-Encoding": "identity",
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "x-a",
    Connection: "close",
    "Content-Length": "9999",
    Cookie: "session=stolen",
    Cookie2: "x",
    Date: "yesterday",
    DNT: "1",
    Expect: "100-continue",
    Host: "evil.example",
    "Keep-Alive": "timeout=5",
    Referer: "https://evil.example/",
    TE: "trailers",
    Trailer: "x-a",
    "Transfer-Encoding": "chunked",
    Upgrade: "websocket",
    Via: "1.1 evil",
    "Proxy-Authorization": "Basic eA==",
    "Sec-Fetch-Site": "same-origin",
    "X-HTTP-Method-Override": "TRACE",
    // In the Fetch standard's list today (Set-Cookie since 2023); Permissions-Policy and Feature-Policy
    // are response policies no request may carry.
    "Set-Cookie": "session=planted",
    "Permissions-Policy": "camera=*",
    "Feature-Policy": "camera *",
    "Access-Control-Request-Private-Network": "true",
    "X-HTTP-Method": "GET, track",
  };
  // A quoted value is one value, as the standard's "get, decode, and split" reads it.
  const allowed = {
    "X-Custom": "kept",
    "User-Agent": "airlock-test",
    "X-Method-Override": "PATCH",
    "X-HTTP-Method-Override": '"TRACE, x", PUT',
  };
  const got = await echo(server, { method: "POST", body: "abc", headers: { ...forbidden, ...allowed } });
  for (const name of Object.keys(forbidden)) {
    const value = got.headers[name.toLowerCase()];
    if (value !== undefined) assert.notEqual(value, forbidden[name as keyof typeof forbidden], name);
  }
  assert.equal(got.headers.cookie, undefined);
  assert.equal(got.headers.host, new URL(server.base).host);
  assert.equal(got.headers["content-length"], "3");
  assert.equal(got.body, "abc");
  assert.equal(got.headers["x-custom"], "kept");
  assert.equal(got.headers["user-agent"], "airlock-test");
  assert.equal(got.headers["x-method-override"], "PATCH");
  assert.equal(got.headers["x-http-method-override"], '"TRACE, x", PUT');
  for (const name of ["set-cookie", "permissions-policy", "feature-policy", "x-http-method"]) {
    assert.equal(got.headers[name], undefined, name);
  }
});

Deno.test("isForbiddenRequestHeader follows the Fetch standard's list, prefixes and method overrides", () => {
  for (const name of FORBIDDEN_HEADERS) assert.ok(isForbiddenRequestHeader(name, "x"), name);
  for (const name of ["set-cookie", "permissions-policy", "keep-alive", "proxy-x", "sec-ch-ua"]) {
    assert.ok(isForbiddenRequestHeader(name, "x"), name);
  }
  for (const method of ["CONNECT", "trace", " Track ", "GET,TRACE", "get ,\tTRACK"]) {
    for (const name of ["x-http-method", "x-http-method-override", "x-method-override"]) {
      assert.ok(isForbiddenRequestHeader(name, method), `${name}: ${method}`);
    }
  }
  for (
    const [name, value] of [
      ["x-http-method-override", "PATCH"],
      ["x-http-method-override", '"TRACE"'],
      ["x-http-method-override", "TRACER"],
      ["user-agent", "x"],
      ["authorization", "Bearer x"],
      ["x-trace", "TRACE"],
    ]
  ) {
    assert.ok(!isForbiddenRequestHeader(name, value), `${name}: ${value}`);
  }
});

Deno.test("header injection (CR/LF, NUL), invalid names and ambiguous duplicates are refused", async () => {
  await using server = serve();
  const send = (headers: Record<string, unknown>) =>
    httpFetch({ url: `${server.base}/echo`, headers: headers as Record<string, string> }, policy(server));
  await refused(send({ "X-A": "a\r\nX-Injected: 1" }), /header X-A: value contains CR, LF/);
  await refused(send({ "X-A": "a\nb" }), /CR, LF/);
  await refused(send({ "X-A": "a\rb" }), /CR, LF/);
  await refused(send({ "X-A": "a\0b" }), /CR, LF or another forbidden character/);
  await refused(send({ "X-A": "snow ☃" }), /forbidden character/);
  await refused(send({ "X-A\r\nX-B": "1" }), /header name "X-A\\r\\nX-B" is not a valid token/);
  await refused(send({ "Bad Name": "1" }), /is not a valid token/);
  await refused(send({ "X-A:": "1" }), /is not a valid token/);
  await refused(send({ "": "1" }), /is not a valid token/);
  await refused(send({ "X-A": 1 }), /header X-A: value must be a string/);
  await refused(send({ "X-A": "1", "x-a": "2" }), /header x-a is given twice/);
  // Tabs are allowed inside a value, and surrounding spaces are trimmed, as fetch does.
  assert.equal((await echo(server, { headers: { "X-A": "  a\tb  " } })).headers["x-a"], "a\tb");
  assert.deepEqual(server.hits, ["/echo"]);
});

Deno.test("timeout: a stalled server gives a clear error within the timeout, body read included", async () => {
  await using server = serve();
  const quick = policy(server, { timeoutMs: 300 });
  for (const path of ["/stall", "/stall-body"]) {
    const started = performance.now();
    await refused(httpFetch({ url: `${server.base}${path}` }, quick), /^timed out after 300 ms$/);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 2000, `${path} took ${elapsed} ms`);
  }
  // A request may ask for less time than the policy, not more.
  const started = performance.now();
  await refused(httpFetch({ url: `${server.base}/stall`, timeoutMs: 100 }, quick), /timed out after 100 ms/);
  assert.ok(performance.now() - started < 1000);
  await refused(
    httpFetch({ url: `${server.base}/stall`, timeoutMs: 60_000 }, quick),
    /timed out after 300 ms/,
  );
});

Deno.test("response size cap: a streamed body past the cap is cut off; a declared one is refused unread", async () => {
  await using server = serve();
  const small = policy(server, { maxResponseBytes: 100_000 });
  await refused(
    httpFetch({ url: `${server.base}/big?bytes=5000000` }, small),
    /^response larger than 100000 bytes$/,
  );
  await refused(httpFetch({ url: `${server.base}/declared` }, small), /^response larger than 100000 bytes$/);
  const exact = await httpFetch({ url: `${server.base}/big?bytes=100000`, responseType: "bytes" }, small);
  assert.equal((exact.body as Uint8Array).byteLength, 100_000);
});

Deno.test("request body cap, and a body on GET or HEAD, are refused", async () => {
  await using server = serve();
  const small = policy(server, { maxRequestBytes: 4 });
  const url = `${server.base}/echo`;
  assert.equal((await httpFetch({ url, method: "POST", body: "four" }, small)).status, 200);
  await refused(httpFetch({ url, method: "POST", body: "fives" }, small), /request body larger than 4 bytes/);
  await refused(httpFetch({ url, method: "POST", body: "ééé" }, small), /larger than 4 bytes/); // 6 UTF-8 bytes
  await refused(httpFetch({ url, method: "POST", body: new Uint8Array(5) }, small), /larger than 4 bytes/);
  await refused(httpFetch({ url, body: "x" }, small), /a GET request cannot have a body/);
  await refused(httpFetch({ url, method: "HEAD", body: "x" }, small), /a HEAD request cannot have a body/);
  assert.deepEqual(server.hits, ["/echo"]);
});

Deno.test("hostile request shapes are refused with a reason", async () => {
  await using server = serve();
  const url = `${server.base}/echo`;
  const cases: [unknown, RegExp][] = [
    [null, /request must be an object/],
    ["https://x", /request must be an object/],
    [{}, /url must be a string/],
    [{ url: new URL(url) }, /url must be a string/],
    [{ url, method: "TRACE" }, /method "TRACE" is not allowed \(one of GET, HEAD, POST, PUT, PATCH/],
    [{ url, method: "CONNECT" }, /method "CONNECT" is not allowed/],
    [{ url, method: 1 }, /method "1" is not allowed/],
    [{ url, headers: [["x-a", "1"]] }, /headers must be an object/],
    [{ url, headers: "x-a: 1" }, /headers must be an object/],
    [{ url, method: "POST", body: { a: 1 } }, /body must be a string, a Uint8Array or null/],
    [{ url, method: "POST", body: new ArrayBuffer(1) }, /body must be a string, a Uint8Array or null/],
    [{ url, responseType: "blob" }, /responseType must be one of text, bytes, json/],
    [{ url, timeoutMs: 0 }, /timeoutMs must be a positive number/],
    [{ url, timeoutMs: "5" }, /timeoutMs must be a positive number/],
    [{ url, timeoutMs: NaN }, /timeoutMs must be a positive number/],
  ];
  for (const [request, pattern] of cases) {
    await refused(httpFetch(request as Parameters<typeof httpFetch>[0], policy(server)), pattern);
  }
  assert.deepEqual(server.hits, []);
});

Deno.test("response headers come back lower-case, without Set-Cookie", async () => {
  await using server = serve();
  const response = await httpFetch({ url: `${server.base}/cookie` }, policy(server));
  assert.equal(response.headers["x-kept"], "yes");
  assert.equal(response.headers["set-cookie"], undefined);
  assert.ok(Object.keys(response.headers).every((name) => name === name.toLowerCase()));
});

Deno.test("a network failure and a cancellation by the caller are HttpErrors", async () => {
  const closed = serve();
  const url = `${closed.base}/echo`;
  const p = policy(closed);
  await closed[Symbol.asyncDispose]();
  await refused(httpFetch({ url }, p), new RegExp(`^request to ${url.replaceAll(".", "\\.")} failed: `));

  await using server = serve();
  const cancel = new AbortController();
  const pending = httpFetch({ url: `${server.base}/stall` }, policy(server), cancel.signal);
  setTimeout(() => cancel.abort(), 50);
  await refused(pending, /^request cancelled$/);
});

Deno.test("parseHttpPolicy: no section allows nothing; a full section is read", () => {
  assert.deepEqual(parseHttpPolicy(undefined, "airlock.http", "app://localhost"), {
    allow: [],
    origin: "app://localhost",
    allowOriginOverride: false,
    timeoutMs: 30_000,
    maxResponseBytes: 10 * 1024 * 1024,
    maxRequestBytes: 10 * 1024 * 1024,
  });
  assert.deepEqual(HTTP_DEFAULTS, {
    timeoutMs: 30_000,
    maxResponseBytes: 10485760,
    maxRequestBytes: 10485760,
  });
  assert.equal(parseHttpPolicy({}, "airlock.http").origin, null);
  const section = {
    allow: ["https://api.example.com/*", "http://127.0.0.1:*/*", "https://*.example.org/v1/*"],
    origin: null,
    allowOriginOverride: true,
    timeoutMs: 5000,
    maxResponseBytes: 1024,
    maxRequestBytes: 2048,
  };
  assert.deepEqual(parseHttpPolicy(section, "airlock.http", "app://localhost"), section);
  assert.equal(
    parseHttpPolicy({ origin: "https://app.example.com:8443" }, "x").origin,
    "https://app.example.com:8443",
  );
});

Deno.test("parseHttpPolicy: errors name the field", () => {
  const cases: [unknown, RegExp][] = [
    ["https://x", /^airlock\.http: must be an object$/],
    [[], /^airlock\.http: must be an object$/],
    [{ allow: "https://x/*" }, /^airlock\.http\.allow: must be an array of URL patterns/],
    [
      { allow: ["https://a.com/*", "https://b.com/*", "https://[/*"] },
      /^airlock\.http\.allow\[2\]: not a valid URL pattern/,
    ],
    [{ allow: ["/api/*"] }, /^airlock\.http\.allow\[0\]: not a valid URL pattern/],
    [{ allow: ["https://a.com/*", 7] }, /^airlock\.http\.allow\[1\]: must be a string/],
    [
      { allow: ["file:///*"] },
      /^airlock\.http\.allow\[0\]: "file:\/\/\/\*" matches neither http: nor https: URLs$/,
    ],
    [{ origin: "https://app.example.com/path" }, /^airlock\.http\.origin: must be an origin/],
    [{ origin: "app.example.com" }, /^airlock\.http\.origin: must be an origin/],
    [{ origin: "https://a.com\r\nX: 1" }, /^airlock\.http\.origin: must be an origin/],
    [{ origin: 1 }, /^airlock\.http\.origin: must be an origin/],
    [{ allowOriginOverride: "yes" }, /^airlock\.http\.allowOriginOverride: must be true or false$/],
    [{ timeoutMs: 0 }, /^airlock\.http\.timeoutMs: must be a positive integer$/],
    [{ maxResponseBytes: "10MB" }, /^airlock\.http\.maxResponseBytes: must be a positive integer$/],
    [{ maxRequestBytes: 1.5 }, /^airlock\.http\.maxRequestBytes: must be a positive integer$/],
    [
      { allowList: [] },
      /^airlock\.http\.allowList: unknown field \(known: allow, origin, allowOriginOverride,/,
    ],
  ];
  for (const [section, pattern] of cases) {
    assert.throws(() => parseHttpPolicy(section, "airlock.http"), (error: Error) => {
      assert.ok(!(error instanceof HttpError), "a config error is a plain Error");
      assert.match(error.message, pattern);
      return true;
    });
  }
});

/** A window's http scope from its capabilities, as the core hands it to the command. */
const scope = (allow: string[], deny: string[] = []) => ({
  allow: allow.map((url) => ({ url })),
  deny: deny.map((url) => ({ url })),
});
const allows = (rules: UrlRules, url: string) => rules.refusal(new URL(url)) === null;

Deno.test("URL scopes: Tauri's http plugin pattern semantics (its own scope.rs cases)", () => {
  // pattern → [URLs it allows, URLs it does not]
  const cases: [string, string[], string[]][] = [
    // A plain origin is the whole site; a path is that path (any query); a wildcard crosses folders.
    [
      "http://localhost:8080",
      ["http://localhost:8080", "http://localhost:8080/file", "http://localhost:8080/a/b.png?x=1"],
      ["https://localhost:8080", "http://localhost:8081", "http://local:8080"],
    ],
    [
      "http://localhost:8080/file.png",
      ["http://localhost:8080/file.png?q=1"],
      ["http://localhost:8080/file.png/other.jpg", "http://localhost:8080/"],
    ],
    ["http://localhost:8080/*.png", ["http://localhost:8080/assets/file.png?width=100"], [
      "http://localhost:8080/file.jpeg",
    ]],
    ["http://*", ["http://something.else/path/to/file.mp4?start=500"], ["https://something.else"]],
    ["https://tauri.app/path?x=*", ["https://tauri.app/path?x=5"], ["https://tauri.app/path?y=5"]],
    // The shapes of Tauri's docs and of capability files: a subdomain wildcard, any port of loopback.
    ["https://*.tauri.app", ["https://v2.tauri.app/start/"], ["https://tauri.app.evil.example/"]],
    [
      "http://127.0.0.1:*/**",
      ["http://127.0.0.1:4000/", "http://127.0.0.1/a/b?c", "http://127.0.0.1:1"],
      ["http://127.0.0.2:4000/", "https://127.0.0.1:4000/"],
    ],
  ];
  for (const [pattern, yes, no] of cases) {
    const rules = new UrlRules([], scope([pattern]));
    for (const url of yes) assert.ok(allows(rules, url), `${pattern} allows ${url}`);
    for (const url of no) assert.ok(!allows(rules, url), `${pattern} refuses ${url}`);
  }
  // An entry may be a bare string, as Tauri's EntryRaw::Value.
  const bare = new UrlRules([], { allow: ["https://a.example" as never], deny: [] });
  assert.ok(allows(bare, "https://a.example/x"));
});

Deno.test("URL scopes: deny wins over every allow; the airlock allow-list and the scope add up", () => {
  const denied = new UrlRules([], scope(["http://localhost:8080/file.png"], ["http://localhost:8080/*"]));
  assert.match(denied.refusal(new URL("http://localhost:8080/file.png"))!, /denied by the http scope/);
  assert.ok(!allows(denied, "http://localhost:8080?framework=tauri"));
  const both = new UrlRules(
    ["https://config.example/*"],
    scope(["https://cap.example"], ["https://config.example/private/*"]),
  );
  assert.ok(allows(both, "https://config.example/a"));
  assert.ok(allows(both, "https://cap.example/b"));
  assert.ok(
    !allows(both, "https://config.example/private/key"),
    "a capability's deny refuses a config allow too",
  );
  assert.match(
    both.refusal(new URL("https://other.example/"))!,
    /url not allowed on the configured scope: neither in airlock\.http\.allow nor in the http scope/,
  );
  // No capabilities: the config's list alone, and its own message.
  assert.equal(
    new UrlRules(["https://a.example/*"]).refusal(new URL("https://b.example/")),
    "not in airlock.http.allow",
  );
  // An empty scope (capabilities that give http no URL) allows nothing beyond the config.
  assert.ok(!allows(new UrlRules([], scope([])), "https://a.example/"));
  // Bad entries are errors, not matches.
  assert.throws(() => urlScopePattern({ url: "https://[/*" }), /is not a valid URL pattern/);
  assert.throws(() => urlScopePattern({ path: "$HOME/**" }), /has no "url"/);
});

Deno.test("URL scopes reach httpFetch: every hop is checked against the scope, deny included", async () => {
  await using server = serve();
  const p = policy(server, { allow: [] });
  const ok = await httpFetch({ url: `${server.base}/text` }, p, undefined, scope([`${server.base}/*`]));
  assert.equal(ok.status, 200);
  await refused(
    httpFetch(
      { url: `${server.base}/text` },
      p,
      undefined,
      scope([`${server.base}/*`], [`${server.base}/text`]),
    ),
    /is not allowed \(denied by the http scope/,
  );
  await refused(
    httpFetch(
      { url: `${server.base}/redirect?to=/echo` },
      p,
      undefined,
      scope([`${server.base}/redirect`], [`${server.base}/echo`]),
    ),
    /redirect to ".*\/echo" is not allowed \(denied/,
  );
  assert.deepEqual(server.hits, ["/text", "/redirect?to=/echo"]);
});

Deno.test("Tauri's clientConfig is checked field by field", () => {
  const p: HttpPolicy = {
    ...HTTP_DEFAULTS,
    allow: ["https://a.example/*"],
    origin: "app://localhost",
    allowOriginOverride: false,
  };
  const rules = new UrlRules(p.allow);
  const base = { method: "GET", url: "https://a.example/x", headers: [] };
  const ok = checkTauriRequest(
    { ...base, method: "POST", headers: [["X-A", "1"], ["x-a", "2"], ["Cookie", "c"]] },
    p,
    rules,
  );
  assert.equal(ok.headers.get("x-a"), "1, 2");
  assert.equal(ok.headers.get("cookie"), null);
  assert.equal(ok.headers.get("content-length"), "0", "a POST without a body says so, as Tauri does");
  assert.deepEqual([
    ...checkTauriRequest({ ...base, method: "PUT", data: [1, 2, 255] }, p, rules).body as Uint8Array,
  ], [1, 2, 255]);
  const cases: [unknown, RegExp][] = [
    [null, /clientConfig must be an object/],
    [{ ...base, url: 1 }, /clientConfig\.url must be a string/],
    [{ ...base, url: "https://b.example/" }, /is not allowed \(not in airlock\.http\.allow\)/],
    [{ ...base, method: "TRACE" }, /method "TRACE" is not allowed/],
    [{ ...base, headers: { a: "1" } }, /headers must be a list of \[name, value\] pairs/],
    [{ ...base, headers: [["a"]] }, /headers must be a list of \[name, value\] pairs/],
    [{ ...base, headers: [["a", 1]] }, /header a: value must be a string/],
    [{ ...base, headers: [["a", "x\r\ny: 1"]] }, /CR, LF/],
    [{ ...base, method: "POST", data: [1, 256] }, /clientConfig\.data\[1\] is not a byte/],
    [{ ...base, method: "POST", data: "abc" }, /clientConfig\.data must be a list of bytes or null/],
    [{ ...base, data: [1] }, /a GET request cannot have a body/],
    [{ ...base, maxRedirections: -1 }, /maxRedirections must be an integer from 0 to 10/],
    [{ ...base, connectTimeout: 0 }, /connectTimeout must be a positive number/],
    [{ ...base, proxy: { all: "http://proxy.example" } }, /proxy is not supported/],
    [{ ...base, danger: { acceptInvalidCerts: true } }, /danger is not supported/],
  ];
  for (const [config, pattern] of cases) {
    assert.throws(() => checkTauriRequest(config, p, rules), (error: Error) => {
      assert.ok(error instanceof HttpError);
      assert.match(error.message, pattern);
      return true;
    });
  }
  const small = { ...p, maxRequestBytes: 2 };
  assert.throws(
    () => checkTauriRequest({ ...base, method: "POST", data: [1, 2, 3] }, small, rules),
    /larger than 2 bytes/,
  );
});
