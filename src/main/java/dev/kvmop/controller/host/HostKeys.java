package dev.kvmop.controller.host;

import java.util.Base64;

/** Syntax of spec.hostKey; the cryptographic comparison happens in the SSH layer. */
final class HostKeys {
  private HostKeys() {}

  static boolean isWellFormed(String hostKey) {
    String k = hostKey.strip();
    if (k.startsWith("SHA256:")) {
      return k.substring(7).matches("^[A-Za-z0-9+/]{43}=?$");
    }
    String[] parts = k.split("\\s+");
    if (parts.length < 2
        || !parts[0].matches("^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521))$")) {
      return false;
    }
    try {
      return Base64.getDecoder().decode(parts[1]).length > 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
