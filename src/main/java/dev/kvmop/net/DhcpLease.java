package dev.kvmop.net;

import java.util.Locale;

/**
 * One fixed lease: dnsmasq hands {@code ip} to {@code mac} and tells it {@code hostname}. As a line
 * of dnsmasq's hosts directory: {@code <mac>,<ip>,<hostname>}.
 */
public record DhcpLease(String mac, String ip, String hostname) {
  /** The longest DNS label. */
  static final int MAX_HOSTNAME = 63;

  public DhcpLease {
    if (!AddressSyntax.isMac(mac) || !AddressSyntax.isIpv4(ip)) {
      throw new IllegalArgumentException(
          "a lease needs a MAC and an IPv4 address: " + mac + " " + ip);
    }
    mac = AddressSyntax.normalizeMac(mac);
    if (hostname == null || !hostname.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")) {
      throw new IllegalArgumentException("not a hostname: " + hostname);
    }
  }

  /**
   * The lease of a guest's pool entry. Its hostname is the guest's name, made a single DNS label:
   * dots become dashes (dnsmasq would take what follows a dot for a domain), cut at 63 characters.
   */
  public static DhcpLease forGuest(String mac, String ip, String guestName) {
    String name = guestName.toLowerCase(Locale.ROOT).replace('.', '-');
    if (name.length() > MAX_HOSTNAME) {
      name = name.substring(0, MAX_HOSTNAME);
    }
    name = name.replaceAll("^-+|-+$", "");
    return new DhcpLease(mac, ip, name.isEmpty() ? "guest" : name);
  }

  /** The line dnsmasq reads. */
  public String line() {
    return mac + "," + ip + "," + hostname;
  }
}
