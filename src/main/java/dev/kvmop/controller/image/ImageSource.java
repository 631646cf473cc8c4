package dev.kvmop.controller.image;

import dev.kvmop.api.KvmGuestSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Where a base image comes from, as one fetch job per host knows it: a URL with its sha256, or a
 * file on the host with or without one.
 *
 * @param sha256 lower-case, or null (hostPath without sha256: the host computes it)
 */
public record ImageSource(String url, String hostPath, String sha256) {
  public static ImageSource of(KvmGuestSpec.Image image) {
    String sha = image.sha256 == null || image.sha256.isEmpty() ? null : image.sha256;
    return new ImageSource(
        empty(image.url) ? null : image.url,
        empty(image.hostPath) ? null : image.hostPath,
        sha == null ? null : sha.toLowerCase(Locale.ROOT));
  }

  /**
   * The job's name on the host (its lock and temporary files): the sha256, or for a hostPath
   * without one "path-" and a hash of the path.
   */
  public String job() {
    return sha256 != null ? sha256 : "path-" + sha256Hex(hostPath).substring(0, 32);
  }

  /** The URL (without credentials it may carry) or the hostPath, for messages and logs. */
  public String where() {
    return url != null ? url.replaceFirst("^(https?://)[^/@]*@", "$1***@") : hostPath;
  }

  /** The spec field that names the source, below {@code disk} ("spec.disks[0]"). */
  public String field(String disk) {
    return disk + ".image." + (url != null ? "url" : "hostPath");
  }

  private static boolean empty(String s) {
    return s == null || s.isEmpty();
  }

  private static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
