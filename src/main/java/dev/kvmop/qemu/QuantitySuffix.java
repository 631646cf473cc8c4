package dev.kvmop.qemu;

import java.math.BigInteger;

/** What {@link MemoryQuantity} and {@link DiskQuantity} share of the Kubernetes quantity syntax. */
final class QuantitySuffix {
  private QuantitySuffix() {}

  /** The factor of a binary (Ki, Mi, Gi, Ti) or decimal (K, M, G, T) suffix; 1 without one. */
  static BigInteger multiplier(String suffix) {
    if (suffix == null) {
      return BigInteger.ONE;
    }
    return switch (suffix) {
      case "Ki" -> BigInteger.TWO.pow(10);
      case "Mi" -> BigInteger.TWO.pow(20);
      case "Gi" -> BigInteger.TWO.pow(30);
      case "Ti" -> BigInteger.TWO.pow(40);
      case "K" -> BigInteger.TEN.pow(3);
      case "M" -> BigInteger.TEN.pow(6);
      case "G" -> BigInteger.TEN.pow(9);
      case "T" -> BigInteger.TEN.pow(12);
      default -> throw new IllegalStateException(suffix);
    };
  }

  /** The quantity as an error message quotes it: at most 32 characters of it. */
  static String shorten(String s) {
    return s.length() > 32 ? s.substring(0, 32) + "..." : s;
  }
}
