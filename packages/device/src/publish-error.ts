/**
 * Why a publish failed. `code` is the receiver's stable error code when it sent one (for HTTP,
 * the `code` field of the response body, e.g. `frame_replayed`), or one of the publisher's own:
 * `publisher_inflight_full`, `publisher_closed`, `network_error`, `http_error`, `mqtt_error`.
 */
export class PublishError extends Error {
  /** Stable machine-readable reason. */
  readonly code: string;
  /** HTTP status of the response, when the publish reached an HTTP server. */
  readonly status: number | undefined;
  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PublishError';
    this.code = code;
    this.status = options.status;
  }
}
