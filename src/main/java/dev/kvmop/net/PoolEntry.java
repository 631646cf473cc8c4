package dev.kvmop.net;

import java.util.Objects;

/**
 * One {mac, ip} pair. The MAC is stored lower-case and the IP in {@link AddressSyntax#canonicalIp
 * canonical form}, so equal addresses compare equal whatever the case they were written in.
 */
public record PoolEntry(String mac, String ip) {
  public PoolEntry {
    Objects.requireNonNull(mac, "mac");
    Objects.requireNonNull(ip, "ip");
    mac = AddressSyntax.normalizeMac(mac);
    ip = AddressSyntax.canonicalIp(ip);
  }
}
