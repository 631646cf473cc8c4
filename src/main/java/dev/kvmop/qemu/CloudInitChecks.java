package dev.kvmop.qemu;

import dev.kvmop.api.KvmGuestSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/** spec.cloudInit: sizes, one user-data source, keys that are one line each. */
public final class CloudInitChecks {
  /** The most user-data (and network-config) a seed takes, in bytes. */
  public static final int MAX_DATA_BYTES = 64 * 1024;

  static final int MAX_KEYS = 64;
  static final int MAX_KEY_CHARS = 16 * 1024;
  private static final Pattern SECRET_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private CloudInitChecks() {}

  static void check(KvmGuestSpec.CloudInit c, List<String> errors) {
    if (c == null) {
      return;
    }
    checkData(c.userData, "spec.cloudInit.userData", errors);
    checkData(c.networkData, "spec.cloudInit.networkData", errors);
    if (c.userDataSecretRef != null) {
      String name = c.userDataSecretRef.name;
      if (name == null || name.isEmpty()) {
        errors.add("spec.cloudInit.userDataSecretRef.name: required");
      } else if (name.length() > 253 || !SECRET_NAME.matcher(name).matches()) {
        errors.add(
            "spec.cloudInit.userDataSecretRef.name: "
                + dev.kvmop.api.SpecText.quoted(name)
                + " is not a DNS-1123 subdomain");
      }
      if (c.userData != null && !c.userData.isEmpty()) {
        errors.add("spec.cloudInit: give userData or userDataSecretRef, not both");
      }
    }
    checkKeys(c.sshAuthorizedKeys, errors);
  }

  private static void checkData(String data, String path, List<String> errors) {
    if (data == null) {
      return;
    }
    int bytes = data.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_DATA_BYTES) {
      errors.add(path + ": " + bytes + " bytes, at most " + MAX_DATA_BYTES + " (64 KiB)");
    } else if (data.indexOf('\0') >= 0) {
      errors.add(path + ": contains a NUL byte");
    }
  }

  private static void checkKeys(List<String> keys, List<String> errors) {
    if (keys == null) {
      return;
    }
    if (keys.size() > MAX_KEYS) {
      errors.add("spec.cloudInit.sshAuthorizedKeys: " + keys.size() + " keys, at most " + MAX_KEYS);
      return;
    }
    for (int i = 0; i < keys.size(); i++) {
      String path = "spec.cloudInit.sshAuthorizedKeys[" + i + "]";
      String key = keys.get(i);
      if (key == null || key.isBlank()) {
        errors.add(path + ": required");
      } else if (key.length() > MAX_KEY_CHARS) {
        errors.add(path + ": " + key.length() + " characters, at most " + MAX_KEY_CHARS);
      } else if (key.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
        errors.add(path + ": must be one line without control characters");
      }
    }
  }
}
