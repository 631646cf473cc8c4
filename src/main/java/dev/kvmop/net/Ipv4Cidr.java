package dev.kvmop.net;

/**
 * An IPv4 interface address with its prefix, such as a bridge's gateway {@code 10.0.0.1/24}: the
 * address, and the network it lies in.
 *
 * @param address the address as an unsigned 32-bit value
 * @param prefix the prefix length, 1 to 30 (a network with room for a gateway and guests)
 */
public record Ipv4Cidr(long address, int prefix) {
  public static final int MIN_PREFIX = 1;
  public static final int MAX_PREFIX = 30;

  /** The CIDR of {@code text}, or null when it is not {@code a.b.c.d/p} with p in 1..30. */
  public static Ipv4Cidr parse(String text) {
    if (text == null) {
      return null;
    }
    int slash = text.indexOf('/');
    if (slash < 0 || slash != text.lastIndexOf('/')) {
      return null;
    }
    long address = AddressSyntax.Ipv4.parse(text.substring(0, slash));
    String bits = text.substring(slash + 1);
    if (address < 0
        || bits.isEmpty()
        || bits.length() > 2
        || !bits.chars().allMatch(Character::isDigit)) {
      return null;
    }
    int prefix = Integer.parseInt(bits);
    if (prefix < MIN_PREFIX
        || prefix > MAX_PREFIX
        || (bits.length() > 1 && bits.charAt(0) == '0')) {
      return null;
    }
    return new Ipv4Cidr(address, prefix);
  }

  public long mask() {
    return (0xffffffffL << (32 - prefix)) & 0xffffffffL;
  }

  public long network() {
    return address & mask();
  }

  public long broadcast() {
    return network() | (~mask() & 0xffffffffL);
  }

  /** Whether {@code ip} (an unsigned 32-bit value) lies in this network. */
  public boolean contains(long ip) {
    return (ip & mask()) == network();
  }

  /** Whether {@code ip} may be given to a machine: in the network, neither its first nor last. */
  public boolean isHostAddress(long ip) {
    return contains(ip) && ip != network() && ip != broadcast();
  }

  /** The address without the prefix, e.g. 10.0.0.1. */
  public String ip() {
    return AddressSyntax.Ipv4.format(address);
  }

  /** The network's address, e.g. 10.0.0.0. */
  public String networkIp() {
    return AddressSyntax.Ipv4.format(network());
  }

  /** The netmask in dotted form, e.g. 255.255.255.0. */
  public String netmask() {
    return AddressSyntax.Ipv4.format(mask());
  }

  /** The network in CIDR form, e.g. 10.0.0.0/24. */
  public String networkText() {
    return networkIp() + "/" + prefix;
  }

  @Override
  public String toString() {
    return ip() + "/" + prefix;
  }

  /** The unsigned 32-bit value of an IPv4 address, or -1 when {@code ip} is not one. */
  public static long value(String ip) {
    return AddressSyntax.Ipv4.parse(ip);
  }
}
