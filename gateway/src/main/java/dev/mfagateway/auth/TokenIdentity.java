package dev.mfagateway.auth;

/**
 * Who a verified token speaks for, for audit lines and the compliance report: tenant (`tid`), application
 * (`appid` or `azp`) and object id (`oid`). Any may be null. Never holds token material.
 */
public record TokenIdentity(String tenantId, String appId, String objectId) {
  public static final TokenIdentity UNKNOWN = new TokenIdentity(null, null, null);
}
