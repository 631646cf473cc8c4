package dev.kvmop.host.ssh;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;
import net.schmizz.sshj.common.Buffer;

/** OpenSSH-style SHA256 fingerprints, computed over the SSH wire encoding of a key. */
final class HostKeys {
  private HostKeys() {}

  static String fingerprint(PublicKey key) {
    return fingerprint(new Buffer.PlainBuffer().putPublicKey(key).getCompactData());
  }

  static String fingerprint(byte[] wireBlob) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(wireBlob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JDK without SHA-256", e);
    }
  }

  /** The key type written inside a wire blob (its first SSH string). */
  static String typeOf(byte[] wireBlob) {
    if (wireBlob.length < 4) {
      return "";
    }
    int len =
        ((wireBlob[0] & 0xff) << 24)
            | ((wireBlob[1] & 0xff) << 16)
            | ((wireBlob[2] & 0xff) << 8)
            | (wireBlob[3] & 0xff);
    if (len < 0 || len > wireBlob.length - 4) {
      return "";
    }
    return new String(wireBlob, 4, len, StandardCharsets.US_ASCII);
  }
}
