package dev.kvmop.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * This machine's network as the tests see it (they run as root on the machine that is also the
 * loopback host): names and subnets no other test run uses, the interfaces and dnsmasq processes
 * that exist, and a DHCP client on a veth in its own network namespace that asks a bridge's dnsmasq
 * for a lease with a chosen MAC. Everything made here is removed by {@link #close}.
 */
public final class HostNetwork implements AutoCloseable {
  private static final AtomicInteger NEXT = new AtomicInteger();
  private static final Pattern INET = Pattern.compile("inet (\\d+)\\.(\\d+)\\.(\\d+)\\.\\d+/");

  private final List<String> links = new ArrayList<>();
  private final List<String> namespaces = new ArrayList<>();

  /** Whether this process may create bridges and run dnsmasq (root with /dev/net/tun). */
  public static boolean available() {
    return "root".equals(System.getProperty("user.name"))
        && Files.exists(Path.of("/dev/net/tun"))
        && Files.isExecutable(Path.of("/usr/sbin/dnsmasq"));
  }

  /** A name of at most 15 characters that no other test run on this machine uses. */
  public static String uniqueName(String prefix) {
    String id =
        Long.toString(ProcessHandle.current().pid() % 46656, 36)
            + Integer.toString(NEXT.incrementAndGet(), 36);
    String name = prefix + id;
    if (name.length() > 15) {
      throw new IllegalArgumentException("interface name too long: " + name);
    }
    return name;
  }

  /** "a.b.c" of a 10.x.y.0/24 that no interface on this machine has an address in. */
  public static String freeSubnet() {
    Set<String> used = new TreeSet<>();
    Matcher m = INET.matcher(run("ip", "-o", "-4", "addr", "show"));
    while (m.find()) {
      used.add(m.group(1) + "." + m.group(2) + "." + m.group(3));
    }
    Random random = new Random();
    for (int i = 0; i < 1000; i++) {
      String net = "10." + (200 + random.nextInt(50)) + "." + random.nextInt(256);
      if (!used.contains(net)) {
        return net;
      }
    }
    throw new IllegalStateException("no free 10.x.y.0/24 on this machine");
  }

  /** The names of the network interfaces on this machine. */
  public static Set<String> links() {
    try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
      return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static boolean isBridge(String name) {
    return Files.isDirectory(Path.of("/sys/class/net", name, "bridge"));
  }

  /** The IPv4 addresses with prefix on an interface, e.g. 10.0.0.1/24. */
  public static List<String> addresses(String name) {
    List<String> out = new ArrayList<>();
    Matcher m =
        Pattern.compile("inet (\\S+)").matcher(run("ip", "-o", "-4", "addr", "show", "dev", name));
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** Pids of dnsmasq processes whose command line names a file below {@code dir}. */
  public static List<Long> dnsmasqBelow(Path dir) {
    String prefix = dir.toString() + "/";
    return ProcessHandle.allProcesses()
        .filter(p -> cmdline(p.pid()).stream().findFirst().orElse("").endsWith("dnsmasq"))
        .filter(p -> cmdline(p.pid()).stream().anyMatch(a -> a.contains("=" + prefix)))
        .map(ProcessHandle::pid)
        .toList();
  }

  /** The argv of a process, empty when it is gone. */
  public static List<String> cmdline(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      String s = new String(raw, StandardCharsets.UTF_8);
      return s.isEmpty() ? List.of() : List.of(s.split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Creates a bridge that this object removes at close. */
  public void addBridge(String name) {
    run("ip", "link", "add", "name", name, "type", "bridge");
    links.add(name);
  }

  /**
   * Creates an interface that is no bridge (one end of a veth pair; dummy interfaces need a module
   * these machines lack), removed at close.
   */
  public void addOtherLink(String name) {
    run("ip", "link", "add", "name", name, "type", "veth", "peer", "name", uniqueName("kvq"));
    links.add(name);
  }

  /** Removes a link when it exists (one made by the code under test, after a failed run). */
  public static void removeLink(String name) {
    if (Files.exists(Path.of("/sys/class/net", name))) {
      run("ip", "link", "del", name);
    }
  }

  /**
   * Asks the DHCP server on {@code bridge} for a lease as a machine with {@code mac} would: a veth
   * pair, one end in the bridge, the other in a fresh network namespace where busybox udhcpc runs.
   *
   * @return the offered address, or empty when no server answered within about three seconds
   */
  public Optional<String> dhcpLease(String bridge, String mac) {
    String ns = uniqueName("kvns");
    String host = uniqueName("kvh");
    String peer = uniqueName("kvp");
    run("ip", "netns", "add", ns);
    namespaces.add(ns);
    try {
      run("ip", "link", "add", host, "type", "veth", "peer", "name", peer);
      run("ip", "link", "set", peer, "netns", ns);
      run("ip", "link", "set", host, "master", bridge, "up");
      run("ip", "netns", "exec", ns, "ip", "link", "set", peer, "address", mac, "up");
      String out =
          runAllowingFailure(
              "ip",
              "netns",
              "exec",
              ns,
              "busybox",
              "udhcpc",
              "-i",
              peer,
              "-n",
              "-q",
              "-f",
              "-t",
              "3",
              "-T",
              "1",
              "-s",
              "/bin/true");
      Matcher m = Pattern.compile("lease of (\\S+) obtained").matcher(out);
      return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    } finally {
      removeLink(host);
      runAllowingFailure("ip", "netns", "del", ns);
      namespaces.remove(ns);
    }
  }

  @Override
  public void close() {
    for (String ns : namespaces) {
      runAllowingFailure("ip", "netns", "del", ns);
    }
    for (String link : links) {
      removeLink(link);
    }
  }

  /** Runs a command, failing the test when it fails; returns its output. */
  public static String run(String... argv) {
    Result r = exec(argv);
    if (r.code != 0) {
      throw new IllegalStateException(String.join(" ", argv) + " failed: " + r.output);
    }
    return r.output;
  }

  private static String runAllowingFailure(String... argv) {
    return exec(argv).output;
  }

  private record Result(int code, String output) {}

  private static Result exec(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", argv) + " did not finish");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
