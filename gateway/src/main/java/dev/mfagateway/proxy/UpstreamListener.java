package dev.mfagateway.proxy;

import io.netty.handler.codec.http.HttpObject;

/** What an upstream connection reports to the client connection whose exchange it serves (same event loop). */
interface UpstreamListener {
  void upstreamRead(HttpObject message);

  void upstreamWritabilityChanged();

  /** The connection broke: closed, reset, TLS failure, or silent beyond `upstream.idle-timeout` mid-body. */
  void upstreamFailed(Throwable cause);
}
