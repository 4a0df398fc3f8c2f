package dev.mfagateway.proxy;

import dev.mfagateway.auth.Authenticator;

/**
 * What judges and routes requests under one applied configuration: its routes (with their effective modes and their
 * meters) and the {@link Authenticator} built for it. Immutable; a reload publishes a new one. A request reads the
 * current one once, at its head, and is routed, judged and forwarded under that one alone.
 */
record ConfigSnapshot(Routes routes, Authenticator authenticator) {}
