package dev.kvmop.api;

/**
 * Reading enum fields from JSON without failing: an unknown string becomes the enum's hidden {@code
 * Unrecognized} constant, because a deserialization error would stop the informer, and with it the
 * operator, for every object of the kind. Spec validation then rejects it naming the field. (Not
 * null: JOSDK's clone drops nulls and the field initializer would bring back the default, silently
 * replacing the user's typo.)
 */
final class LenientEnums {
  private LenientEnums() {}

  static <E extends Enum<E>> E read(Class<E> type, String value, E unrecognized) {
    for (E v : type.getEnumConstants()) {
      if (v != unrecognized && v.name().equals(value)) {
        return v;
      }
    }
    return unrecognized;
  }
}
