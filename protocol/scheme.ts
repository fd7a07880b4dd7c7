// A custom-scheme request and its answer, as the core serves them and the native webview carries them.

export interface SchemeRequest {
  scheme: string;
  path: string;
  uri: string;
  method: string;
  /** A request header, or null (the isolation scheme refuses any request with an Origin header). */
  header(name: string): string | null;
  /** The request's body (a POST's), read at most `max` bytes: null when there is none or it is longer. */
  body(max: number): Uint8Array<ArrayBuffer> | null;
}

export interface SchemeResponse {
  status: number;
  contentType: string;
  body: Uint8Array;
  headers?: Record<string, string>;
}
