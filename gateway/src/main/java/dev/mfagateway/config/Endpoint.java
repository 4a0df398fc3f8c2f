package dev.mfagateway.config;

/** A host and port to bind (`gateway.admin`). */
public record Endpoint(String host, int port) {}
