package dev.kvmop.qemu;

import dev.kvmop.api.SpecText;
import java.util.List;

/** Checks of single spec fields, each adding "<path>: <problem>" to a list of errors. */
final class FieldChecks {
  private FieldChecks() {}

  static void checkPath(String value, String path, boolean required, List<String> errors) {
    if (isEmpty(value)) {
      if (required) {
        errors.add(path + ": required");
      }
      return;
    }
    if (checkText(value, path, errors) && !value.startsWith("/")) {
      errors.add(path + ": must be an absolute path, got " + SpecText.quoted(value));
    }
  }

  /** NUL cannot be passed in an argv element; huge strings are refused before they reach SSH. */
  static boolean checkText(String value, String path, List<String> errors) {
    if (value == null) {
      return true;
    }
    if (value.length() > GuestSpecValidation.MAX_ELEMENT_CHARS) {
      errors.add(
          path
              + ": "
              + value.length()
              + " characters, at most "
              + GuestSpecValidation.MAX_ELEMENT_CHARS);
      return false;
    }
    if (value.indexOf('\0') >= 0) {
      errors.add(path + ": contains a NUL byte");
      return false;
    }
    return true;
  }

  /**
   * An enum field: present and one of its values. {@code unrecognized} is what an unknown string in
   * the JSON reads as (see the enum's {@code fromJson}).
   */
  static <E extends Enum<E>> void oneOf(E value, E unrecognized, String path, List<String> errors) {
    if (value == null) {
      errors.add(path + ": required");
    } else if (value == unrecognized) {
      errors.add(
          path
              + ": must be one of "
              + java.util.Arrays.stream(unrecognized.getDeclaringClass().getEnumConstants())
                  .filter(v -> v != unrecognized)
                  .map(Enum::name)
                  .collect(java.util.stream.Collectors.joining(", ")));
    }
  }

  static void range(Integer value, String path, int min, int max, List<String> errors) {
    if (value == null) {
      errors.add(path + ": required");
    } else if (value < min) {
      errors.add(path + ": must be >= " + min);
    } else if (value > max) {
      errors.add(path + ": must be <= " + max);
    }
  }

  static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
