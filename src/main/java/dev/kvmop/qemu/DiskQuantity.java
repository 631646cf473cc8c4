package dev.kvmop.qemu;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A disk or cache size as a Kubernetes quantity, in the subset the CRD accepts (an integer with an
 * optional binary or decimal suffix), in bytes.
 */
public final class DiskQuantity {
  private static final Pattern SYNTAX = Pattern.compile("([1-9][0-9]{0,12})(Ki|Mi|Gi|Ti|K|M|G|T)?");

  /** Upper bound: no disk or cache of this operator is bigger than 1 PiB. */
  public static final long MAX_BYTES = 1L << 50;

  private DiskQuantity() {}

  /**
   * Bytes.
   *
   * @throws IllegalArgumentException with a message for {@code <field>: <message>}
   */
  public static long bytes(String quantity) {
    if (quantity == null || quantity.isEmpty()) {
      throw new IllegalArgumentException("required");
    }
    Matcher m = SYNTAX.matcher(quantity);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid quantity \"" + QuantitySuffix.shorten(quantity) + "\" (e.g. 512Mi, 10Gi)");
    }
    BigInteger bytes = new BigInteger(m.group(1)).multiply(QuantitySuffix.multiplier(m.group(2)));
    if (bytes.compareTo(BigInteger.valueOf(MAX_BYTES)) > 0) {
      throw new IllegalArgumentException(quantity + " is more than 1Pi");
    }
    return bytes.longValueExact();
  }

  /** Bytes in a short human form (binary units), for messages: 1536 -> "1.5 KiB". */
  public static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
