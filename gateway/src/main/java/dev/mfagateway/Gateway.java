package dev.mfagateway;

import dev.mfagateway.admin.AdminServer;
import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.proxy.GatewayServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.concurrent.CompletionStage;

/**
 * One running gateway: the verdict (signing keys fetched in the background), the proxy listener and the admin
 * listener. Ready when the listener is up and signing keys are loaded. Used by `serve`, `demo` and the end-to-end tests.
 */
public final class Gateway implements AutoCloseable {
  private final Authenticator authenticator;
  private final GatewayServer server;
  private final AdminServer admin;
  private final CompletionStage<Void> firstKeyFetch;

  private Gateway(
      Authenticator authenticator, GatewayServer server, AdminServer admin, CompletionStage<Void> firstKeyFetch) {
    this.authenticator = authenticator;
    this.server = server;
    this.admin = admin;
    this.firstKeyFetch = firstKeyFetch;
  }

  /** Starts fetching keys, then binds the admin and proxy listeners; nothing is left running when it throws. */
  public static Gateway start(GatewayConfig config)
      throws IOException, GeneralSecurityException, InterruptedException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Authenticator authenticator = Authenticator.create(config.auth());
    GatewayServer server = new GatewayServer(config, authenticator);
    AdminServer admin =
        new AdminServer(
            config.admin(), () -> server.isServing() && authenticator.signingKeys().isReady(), registry);
    try {
      admin.start();
      server.start();
    } catch (IOException | GeneralSecurityException | InterruptedException | RuntimeException e) {
      admin.close();
      authenticator.signingKeys().close();
      throw e;
    }
    return new Gateway(authenticator, server, admin, authenticator.signingKeys().start());
  }

  public InetSocketAddress address() {
    return server.address();
  }

  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  public Authenticator authenticator() {
    return authenticator;
  }

  /** Completes when the first key fetch ended, whatever its outcome; {@link #isReady()} then says whether it worked. */
  public CompletionStage<Void> firstKeyFetch() {
    return firstKeyFetch;
  }

  public boolean isReady() {
    return server.isServing() && authenticator.signingKeys().isReady();
  }

  /** Graceful: stops accepting, drains in-flight requests up to the shutdown grace, then closes everything. */
  @Override
  public void close() throws InterruptedException {
    server.shutdown();
    admin.close();
    authenticator.signingKeys().close();
  }
}
