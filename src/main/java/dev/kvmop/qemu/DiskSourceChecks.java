package dev.kvmop.qemu;

import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.Patterns;
import dev.kvmop.api.SpecText;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The source of one disk (path, image or empty) and its size, as {@link FieldChecks} do. */
final class DiskSourceChecks {
  private static final Pattern URL = Pattern.compile("https?://\\S+");
  private static final Pattern SHA256 = Pattern.compile(Patterns.SHA256);
  private static final Set<String> BASE_FORMATS = Set.of("qcow2", "raw");

  private DiskSourceChecks() {}

  /** Adds the errors of spec.disks[i], whose field path is {@code path}. */
  static void check(KvmGuestSpec.Disk disk, String path, List<String> errors) {
    List<String> sources = new ArrayList<>();
    if (!FieldChecks.isEmpty(disk.path)) {
      sources.add("path");
    }
    if (disk.image != null) {
      sources.add("image");
    }
    if (disk.empty != null) {
      sources.add("empty");
    }
    if (sources.isEmpty()) {
      errors.add(path + ": needs one of path, image and empty");
      return;
    }
    if (sources.size() > 1) {
      errors.add(path + ": has " + String.join(" and ", sources) + "; give exactly one source");
      return;
    }
    FieldChecks.checkPath(disk.path, path + ".path", false, errors);
    if (disk.image != null) {
      checkImage(disk.image, path + ".image", errors);
    }
    if (disk.empty != null) {
      checkSize(disk.empty.size, path + ".empty.size", true, errors);
    }
    if (!FieldChecks.isEmpty(disk.size)) {
      if (disk.image == null) {
        errors.add(path + ".size: only for image disks (an empty disk has empty.size)");
      } else {
        checkSize(disk.size, path + ".size", false, errors);
      }
    }
  }

  private static void checkImage(KvmGuestSpec.Image image, String path, List<String> errors) {
    boolean url = !FieldChecks.isEmpty(image.url);
    boolean hostPath = !FieldChecks.isEmpty(image.hostPath);
    if (url == hostPath) {
      errors.add(path + ": exactly one of url and hostPath must be set");
    }
    if (url && FieldChecks.checkText(image.url, path + ".url", errors)) {
      if (!URL.matcher(image.url).matches()) {
        errors.add(path + ".url: must be an http(s) URL, got " + SpecText.quoted(image.url));
      }
    }
    FieldChecks.checkPath(image.hostPath, path + ".hostPath", false, errors);
    if (FieldChecks.isEmpty(image.sha256)) {
      if (url) {
        errors.add(path + ".sha256: required with url");
      }
    } else if (!SHA256.matcher(image.sha256).matches()) {
      errors.add(
          path + ".sha256: must be 64 hexadecimal digits, got " + SpecText.quoted(image.sha256));
    }
    if (image.format == null || !BASE_FORMATS.contains(image.format)) {
      errors.add(path + ".format: must be qcow2 or raw, got " + SpecText.quoted(image.format));
    }
  }

  private static void checkSize(String size, String path, boolean required, List<String> errors) {
    if (FieldChecks.isEmpty(size) && !required) {
      return;
    }
    try {
      DiskQuantity.bytes(size);
    } catch (IllegalArgumentException e) {
      errors.add(path + ": " + e.getMessage());
    }
  }
}
