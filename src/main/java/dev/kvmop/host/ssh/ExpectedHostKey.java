package dev.kvmop.host.ssh;

import dev.kvmop.host.HostException;
import java.util.Base64;
import java.util.List;

/**
 * A pinned host key as the user wrote it: an OpenSSH public key line or a "SHA256:..." fingerprint.
 * Both reduce to a fingerprint; a key line also tells which host key algorithm to ask the server
 * for, so a host with several keys presents the pinned one.
 *
 * @param fingerprint "SHA256:<base64 without padding>"
 * @param keyType "ssh-ed25519", ... or null when only a fingerprint was given
 */
record ExpectedHostKey(String fingerprint, String keyType) {

  static ExpectedHostKey parse(String text) throws HostException {
    String s = text.strip();
    if (s.startsWith("SHA256:")) {
      String b64 = s.substring("SHA256:".length()).replaceAll("=+$", "");
      if (b64.isEmpty()) {
        throw invalid();
      }
      return new ExpectedHostKey("SHA256:" + b64, null);
    }
    // Tolerate known_hosts-style prefixes (host names, markers): the key is the token after the
    // type.
    String[] tokens = s.split("\\s+");
    for (int i = 0; i + 1 < tokens.length; i++) {
      if (isKeyType(tokens[i])) {
        byte[] blob;
        try {
          blob = Base64.getDecoder().decode(tokens[i + 1]);
        } catch (IllegalArgumentException e) {
          throw invalid();
        }
        if (!HostKeys.typeOf(blob).equals(tokens[i])) {
          throw invalid();
        }
        return new ExpectedHostKey(HostKeys.fingerprint(blob), tokens[i]);
      }
    }
    throw invalid();
  }

  /** Host key algorithms that produce this key type, in preference order. */
  List<String> algorithms() {
    if (keyType == null) {
      return List.of();
    }
    if (keyType.equals("ssh-rsa")) {
      return List.of("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa");
    }
    return List.of(keyType);
  }

  private static boolean isKeyType(String token) {
    return token.startsWith("ssh-") || token.startsWith("ecdsa-") || token.startsWith("sk-");
  }

  private static HostException invalid() {
    return new HostException(
        HostException.Reason.HostKeyMismatch,
        "the pinned host key is neither an OpenSSH public key line nor a SHA256: fingerprint");
  }
}
