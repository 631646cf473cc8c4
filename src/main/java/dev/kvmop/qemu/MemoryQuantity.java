package dev.kvmop.qemu;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Guest memory as a Kubernetes quantity, in the subset the CRD accepts: an integer with an optional
 * binary (Ki, Mi, Gi, Ti) or decimal (K, M, G, T) suffix, or plain bytes.
 */
public final class MemoryQuantity {
  private static final Pattern SYNTAX = Pattern.compile("([0-9]{1,13})(Ki|Mi|Gi|Ti|K|M|G|T)?");
  private static final BigInteger MIB = BigInteger.valueOf(1L << 20);

  /** Upper bound, far above any real host, so the MiB count always fits qemu's parser. */
  public static final long MAX_MIB = 16L << 20; // 16 TiB

  private MemoryQuantity() {}

  /**
   * Mebibytes, rounded up.
   *
   * @throws IllegalArgumentException with a message for {@code spec.memory: <message>}
   */
  public static long toMebibytes(String quantity) {
    if (quantity == null || quantity.isEmpty()) {
      throw new IllegalArgumentException("required");
    }
    Matcher m = SYNTAX.matcher(quantity);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid quantity \"" + QuantitySuffix.shorten(quantity) + "\" (e.g. 512Mi, 2Gi)");
    }
    BigInteger bytes = new BigInteger(m.group(1)).multiply(QuantitySuffix.multiplier(m.group(2)));
    BigInteger[] qr = bytes.divideAndRemainder(MIB);
    BigInteger mib = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    if (bytes.compareTo(MIB) < 0) {
      throw new IllegalArgumentException(quantity + " is less than 1Mi");
    }
    if (mib.compareTo(BigInteger.valueOf(MAX_MIB)) > 0) {
      throw new IllegalArgumentException(quantity + " is more than 16Ti");
    }
    return mib.longValueExact();
  }
}
