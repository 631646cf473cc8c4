package dev.kvmop.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * One host-side script, shipped as a classpath resource next to this class (where the lint test
 * finds it) and either installed on the host (see {@link HelperFiles}) or sent inline to {@code sh
 * -c}.
 */
final class HostScript {
  private final String name;
  private final String mode;
  private final byte[] content;
  private final String sha256;

  private HostScript(String name, String mode, byte[] content) {
    this.name = name;
    this.mode = mode;
    this.content = content;
    this.sha256 = sha256Hex(content);
  }

  /**
   * @param mode the file mode once installed (e.g. 0755)
   */
  static HostScript resource(String name, String mode) {
    try (InputStream in = HostScript.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " missing from the classpath");
      }
      return new HostScript(name, mode, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String name() {
    return name;
  }

  String mode() {
    return mode;
  }

  byte[] content() {
    return content.clone();
  }

  String text() {
    return new String(content, StandardCharsets.UTF_8);
  }

  String sha256() {
    return sha256;
  }

  String base64() {
    return Base64.getEncoder().encodeToString(content);
  }

  private static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
