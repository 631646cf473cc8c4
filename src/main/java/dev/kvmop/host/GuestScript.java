package dev.kvmop.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * The host-side helper {@code kvmop-guest} (a classpath resource next to this class), its sha256,
 * and which connections have verified that the host holds this exact version. Agents are created
 * per reconcile, so the "verified" memo is kept per {@link RemoteShell} (one per connection): a new
 * connection verifies again.
 */
final class GuestScript {
  static final String NAME = "kvmop-guest";

  private static final byte[] CONTENT = load();
  private static final String SHA256 = sha256Hex(CONTENT);
  private static final String BASE64 = Base64.getEncoder().encodeToString(CONTENT);
  private static final Map<RemoteShell, Set<String>> VERIFIED =
      Collections.synchronizedMap(new WeakHashMap<>());

  private GuestScript() {}

  static byte[] content() {
    return CONTENT.clone();
  }

  static String sha256() {
    return SHA256;
  }

  static String base64() {
    return BASE64;
  }

  static boolean verified(RemoteShell shell, String path) {
    synchronized (VERIFIED) {
      Set<String> paths = VERIFIED.get(shell);
      return paths != null && paths.contains(path);
    }
  }

  static void markVerified(RemoteShell shell, String path) {
    synchronized (VERIFIED) {
      VERIFIED.computeIfAbsent(shell, s -> new HashSet<>()).add(path);
    }
  }

  static void forget(RemoteShell shell, String path) {
    synchronized (VERIFIED) {
      Set<String> paths = VERIFIED.get(shell);
      if (paths != null) {
        paths.remove(path);
      }
    }
  }

  private static byte[] load() {
    try (InputStream in = GuestScript.class.getResourceAsStream(NAME)) {
      if (in == null) {
        throw new IllegalStateException("resource " + NAME + " missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
