package dev.kvmop.cloudinit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The user-data a seed carries (pure): the user's own, with spec.cloudInit.sshAuthorizedKeys merged
 * in so that cloud-init installs them.
 *
 * <ul>
 *   <li>No user-data: a #cloud-config holding the keys.
 *   <li>A #cloud-config without a top-level ssh_authorized_keys: the keys are appended as that key.
 *   <li>Anything else (a #cloud-config that lists keys itself, a script, an include, a MIME
 *       document): a MIME multipart whose parts are the user's user-data as it is and a
 *       #cloud-config with the keys and a merge_how that appends them to the user's lists, which is
 *       how cloud-init merges parts.
 * </ul>
 */
final class UserData {
  static final String CLOUD_CONFIG = "#cloud-config";
  private static final Pattern TOP_LEVEL_KEYS = Pattern.compile("(?m)^ssh_authorized_keys[ \\t]*:");

  private UserData() {}

  static String merge(String userData, List<String> keys) {
    boolean none = userData == null || userData.isEmpty();
    if (keys.isEmpty()) {
      return none ? CLOUD_CONFIG + "\n" : userData;
    }
    if (none) {
      return CLOUD_CONFIG + "\n" + keysBlock(keys);
    }
    if (firstLine(userData).strip().equals(CLOUD_CONFIG)
        && !TOP_LEVEL_KEYS.matcher(userData).find()) {
      return (userData.endsWith("\n") ? userData : userData + "\n") + keysBlock(keys);
    }
    return multipart(userData, keys);
  }

  private static String keysBlock(List<String> keys) {
    StringBuilder sb = new StringBuilder("ssh_authorized_keys:\n");
    keys.forEach(k -> sb.append("  - ").append(Yaml.quoted(k.strip())).append('\n'));
    return sb.toString();
  }

  private static String multipart(String userData, List<String> keys) {
    String boundary = "kvmop-" + sha256(userData + "\n" + String.join("\n", keys)).substring(0, 24);
    StringBuilder m = new StringBuilder();
    m.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\n");
    m.append("MIME-Version: 1.0\n\n");
    m.append("--").append(boundary).append('\n');
    if (!firstLine(userData).toLowerCase(java.util.Locale.ROOT).startsWith("content-type:")) {
      // A MIME document goes in with its own headers (a nested multipart); text gets its type.
      m.append(partHeaders(contentType(userData)));
    }
    m.append(userData.endsWith("\n") ? userData : userData + "\n");
    m.append("--").append(boundary).append('\n');
    m.append(partHeaders("text/cloud-config"));
    m.append(CLOUD_CONFIG).append('\n').append(keysBlock(keys));
    m.append("merge_how:\n");
    m.append("  - name: list\n    settings: [append]\n");
    m.append("  - name: dict\n    settings: [no_replace, recurse_list]\n");
    m.append("--").append(boundary).append("--\n");
    return m.toString();
  }

  private static String partHeaders(String type) {
    return "Content-Type: " + type + "; charset=\"utf-8\"\nMIME-Version: 1.0\n\n";
  }

  /** cloud-init's part type for the user-data's first line. */
  static String contentType(String userData) {
    String first = firstLine(userData).strip();
    if (first.startsWith(CLOUD_CONFIG)) {
      return "text/cloud-config";
    } else if (first.startsWith("#!")) {
      return "text/x-shellscript";
    } else if (first.startsWith("#include")) {
      return "text/x-include-url";
    } else if (first.startsWith("#cloud-boothook")) {
      return "text/cloud-boothook";
    } else if (first.startsWith("#part-handler")) {
      return "text/part-handler";
    } else if (first.startsWith("## template: jinja")) {
      return "text/jinja2";
    }
    return "text/plain";
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
