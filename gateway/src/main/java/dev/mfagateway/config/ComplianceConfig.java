package dev.mfagateway.config;

/** `gateway.compliance`: how many tenants/apps the compliance report lists before summing the rest. */
public record ComplianceConfig(int topK) {}
