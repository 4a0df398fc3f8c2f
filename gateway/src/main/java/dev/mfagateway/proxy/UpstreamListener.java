package dev.mfagateway.proxy;

import io.netty.handler.codec.http.HttpObject;

/** What an upstream connection reports to the client connection whose exchange it serves (same event loop). */
interface UpstreamListener {
  void upstreamRead(HttpObject message);

  /** The end of one read from the upstream connection: what it delivered has been passed on. */
  void upstreamReadComplete();

  void upstreamWritabilityChanged();

  /** Nothing was read for `upstream.idle-timeout`. */
  void upstreamIdle();

  /** The connection broke: closed, reset, TLS failure. */
  void upstreamFailed(Throwable cause);
}
