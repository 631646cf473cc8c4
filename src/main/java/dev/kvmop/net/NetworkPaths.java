package dev.kvmop.net;

/**
 * Where a host's network state lives: {@code <workDir>/net/}. The host helper {@code kvmop-net}
 * uses the same names; it refuses a dnsmasq argv whose pid file is not {@link #pidFile}.
 */
public final class NetworkPaths {
  private NetworkPaths() {}

  public static String dir(String workDir) {
    return workDir.replaceAll("/+$", "") + "/net";
  }

  /** One file per leased MAC, read by dnsmasq ({@code --dhcp-hostsdir}). */
  public static String hostsDir(String workDir) {
    return dir(workDir) + "/hosts.d";
  }

  public static String pidFile(String workDir) {
    return dir(workDir) + "/dnsmasq.pid";
  }

  /** dnsmasq's record of the leases it handed out. */
  public static String leaseFile(String workDir) {
    return dir(workDir) + "/dnsmasq.leases";
  }

  public static String logFile(String workDir) {
    return dir(workDir) + "/dnsmasq.log";
  }
}
