package dev.kvmop.net;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Syntax of MAC addresses, IPv4 and IPv6 addresses and hostnames, checked without any lookup: an
 * {@code InetAddress} parse may query DNS, and validation must not depend on the network.
 */
public final class AddressSyntax {
  private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
  private static final Pattern MAC_PREFIX = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){0,4}");
  private static final Pattern LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
  private static final Pattern NUMERIC = Pattern.compile("[0-9]+");
  private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private AddressSyntax() {}

  public static boolean isMac(String s) {
    return s != null && MAC.matcher(s).matches();
  }

  /** One to five leading octets, so at least one octet is left to derive from the IP. */
  public static boolean isMacPrefix(String s) {
    return s != null && MAC_PREFIX.matcher(s).matches();
  }

  public static boolean isIpv4(String s) {
    return Ipv4.parse(s) >= 0;
  }

  public static boolean isIpv6(String s) {
    return Ipv6.parse(s) != null;
  }

  /**
   * RFC 1123 hostname. A name whose last label is all digits is refused: it is a mistyped IPv4
   * address ({@code 10.0.0.256}) far more often than a real name.
   */
  public static boolean isHostname(String s) {
    if (s == null || s.isEmpty() || s.length() > 253) {
      return false;
    }
    String name = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    String[] labels = name.split("\\.", -1);
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return !NUMERIC.matcher(labels[labels.length - 1]).matches();
  }

  public static boolean isHostOrIp(String s) {
    return isIpv4(s) || isIpv6(s) || isHostname(s);
  }

  /** Lower-case MAC; the pool compares MACs case-insensitively. */
  public static String normalizeMac(String mac) {
    return mac.toLowerCase(Locale.ROOT);
  }

  /**
   * The form under which an IP is stored and compared: IPv4 unchanged, IPv6 in RFC 5952 form (so
   * {@code FE80:0::1} and {@code fe80::1} are one address), hostnames lower-case. Anything else is
   * returned unchanged.
   */
  public static String canonicalIp(String ip) {
    if (ip == null || isIpv4(ip)) {
      return ip;
    }
    int[] groups = Ipv6.parse(ip);
    if (groups != null) {
      int pct = ip.indexOf('%');
      return Ipv6.format(groups) + (pct >= 0 ? ip.substring(pct) : "");
    }
    if (isHostname(ip)) {
      return ip.toLowerCase(Locale.ROOT);
    }
    return ip;
  }

  /** IPv4 dotted quads; leading zeros are refused because some tools read them as octal. */
  static final class Ipv4 {
    private Ipv4() {}

    /** The address as an unsigned 32-bit value, or -1 when not a dotted quad. */
    static long parse(String s) {
      if (s == null || s.isEmpty() || s.length() > 15) {
        return -1;
      }
      String[] parts = s.split("\\.", -1);
      if (parts.length != 4) {
        return -1;
      }
      long value = 0;
      for (String part : parts) {
        if (part.isEmpty()
            || part.length() > 3
            || !NUMERIC.matcher(part).matches()
            || (part.length() > 1 && part.charAt(0) == '0')) {
          return -1;
        }
        int octet = Integer.parseInt(part);
        if (octet > 255) {
          return -1;
        }
        value = (value << 8) | octet;
      }
      return value;
    }

    static String format(long value) {
      return ((value >> 24) & 0xff)
          + "."
          + ((value >> 16) & 0xff)
          + "."
          + ((value >> 8) & 0xff)
          + "."
          + (value & 0xff);
    }
  }

  /** IPv6 text forms of RFC 4291 section 2.2, with an optional {@code %zone}. */
  static final class Ipv6 {
    private Ipv6() {}

    /** The eight 16-bit groups, or null when not an IPv6 address. */
    static int[] parse(String s) {
      if (s == null || s.length() > 100) {
        return null;
      }
      int pct = s.indexOf('%');
      if (pct >= 0) {
        if (!ZONE.matcher(s.substring(pct + 1)).matches()) {
          return null;
        }
        s = s.substring(0, pct);
      }
      int gap = s.indexOf("::");
      if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
        return null;
      }
      int[] head = gap >= 0 ? groups(s.substring(0, gap), false) : groups(s, true);
      if (head == null) {
        return null;
      }
      if (gap < 0) {
        return head.length == 8 ? head : null;
      }
      int[] tail = groups(s.substring(gap + 2), true);
      if (tail == null || head.length + tail.length > 7) {
        return null;
      }
      int[] all = new int[8];
      System.arraycopy(head, 0, all, 0, head.length);
      System.arraycopy(tail, 0, all, 8 - tail.length, tail.length);
      return all;
    }

    /** Colon-separated groups; the last one may be a dotted quad when {@code mayEndInIpv4}. */
    private static int[] groups(String s, boolean mayEndInIpv4) {
      if (s.isEmpty()) {
        return new int[0];
      }
      String[] parts = s.split(":", -1);
      int[] out = new int[8];
      int n = 0;
      for (int i = 0; i < parts.length; i++) {
        String part = parts[i];
        boolean last = i == parts.length - 1;
        if (last && mayEndInIpv4 && part.indexOf('.') >= 0) {
          long v4 = Ipv4.parse(part);
          if (v4 < 0 || n + 2 > 8) {
            return null;
          }
          out[n++] = (int) (v4 >> 16);
          out[n++] = (int) (v4 & 0xffff);
        } else {
          if (part.isEmpty() || part.length() > 4 || n == 8) {
            return null;
          }
          int value = 0;
          for (char c : part.toCharArray()) {
            int digit = Character.digit(c, 16);
            if (digit < 0 || c > 'f') {
              return null;
            }
            value = value * 16 + digit;
          }
          out[n++] = value;
        }
      }
      int[] trimmed = new int[n];
      System.arraycopy(out, 0, trimmed, 0, n);
      return trimmed;
    }

    /** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as ::. */
    static String format(int[] groups) {
      int bestStart = -1;
      int bestLen = 1;
      for (int i = 0; i < 8; ) {
        if (groups[i] != 0) {
          i++;
          continue;
        }
        int j = i;
        while (j < 8 && groups[j] == 0) {
          j++;
        }
        if (j - i > bestLen) {
          bestStart = i;
          bestLen = j - i;
        }
        i = j;
      }
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 8; i++) {
        if (i == bestStart) {
          sb.append("::");
          i += bestLen - 1;
          continue;
        }
        if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
          sb.append(':');
        }
        sb.append(Integer.toHexString(groups[i]));
      }
      return sb.toString();
    }
  }
}
