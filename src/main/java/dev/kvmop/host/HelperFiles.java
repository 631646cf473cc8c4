package dev.kvmop.host;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * The host-side helpers {@code kvmop-guest} and {@code kvmop-net} and the files installed with them
 * under {@code <workDir>/bin}, and which connections have verified that the host holds these exact
 * versions. Agents are created per reconcile, so the "verified" memo is kept per {@link
 * RemoteShell} (one per connection): a new connection verifies again.
 */
final class HelperFiles {
  static final String NAME = "kvmop-guest";

  /** The entry point: every helper verb runs it. */
  static final HostScript HELPER = HostScript.resource(NAME, "0755");

  /** Its perl half: the /proc, QMP and probe work. */
  static final HostScript PERL = HostScript.resource("kvmop-guest.pl", "0644");

  /**
   * The console relay and serial log reader of the {@code console}, {@code log}, {@code tails}
   * verbs.
   */
  static final HostScript CONSOLE = HostScript.resource("kvmop-console.pl", "0644");

  /** The image cache and the guests' own disks (fetch, prepare, wipe, list, evict). */
  static final HostScript DISKS = HostScript.resource("kvmop-disks", "0755");

  /** The template the {@code ifup} verb copies to {@code <workDir>/qemu-ifup}. */
  static final HostScript IFUP = HostScript.resource("qemu-ifup", "0755");

  /** The network verbs: bridge, dnsmasq, leases; the probe asks it for the network's status. */
  static final HostScript NET = HostScript.resource("kvmop-net", "0755");

  /**
   * In install order: the entry point last, so that a verb started on another connection while they
   * are replaced never runs a new {@code kvmop-guest} against an old perl half.
   */
  static final List<HostScript> INSTALLED = List.of(PERL, CONSOLE, IFUP, NET, DISKS, HELPER);

  /** Installs {@link #INSTALLED} in one round trip, skipping files whose sha256 matches. */
  private static final HostScript INSTALL = HostScript.resource("kvmop-install", null);

  private static final Map<RemoteShell, Set<String>> VERIFIED =
      Collections.synchronizedMap(new WeakHashMap<>());

  private HelperFiles() {}

  /** Path of the helper on the host. */
  static String helperPath(String workDir) {
    return helperPath(workDir, NAME);
  }

  /** Path of one installed helper on the host. */
  static String helperPath(String workDir, String name) {
    return binDir(workDir) + "/" + name;
  }

  static String binDir(String workDir) {
    return workDir.replaceAll("/+$", "") + "/bin";
  }

  /** The argv that installs every helper file into {@code <workDir>/bin}. */
  static List<String> installArgv(String workDir) {
    List<String> argv =
        new ArrayList<>(List.of("sh", "-c", INSTALL.text(), "kvmop-install", binDir(workDir)));
    for (HostScript file : INSTALLED) {
      argv.addAll(List.of(file.name(), file.mode(), file.sha256(), file.base64()));
    }
    return argv;
  }

  static boolean verified(RemoteShell shell, String key) {
    synchronized (VERIFIED) {
      Set<String> keys = VERIFIED.get(shell);
      return keys != null && keys.contains(key);
    }
  }

  static void markVerified(RemoteShell shell, String key) {
    synchronized (VERIFIED) {
      VERIFIED.computeIfAbsent(shell, s -> new HashSet<>()).add(key);
    }
  }

  static void forget(RemoteShell shell, String key) {
    synchronized (VERIFIED) {
      Set<String> keys = VERIFIED.get(shell);
      if (keys != null) {
        keys.remove(key);
      }
    }
  }

  /** Forgets every key below {@code workDir}: what was verified there is gone with it. */
  static void forgetWorkDir(RemoteShell shell, String workDir) {
    String prefix = workDir.replaceAll("/+$", "") + "/";
    synchronized (VERIFIED) {
      Set<String> keys = VERIFIED.get(shell);
      if (keys != null) {
        keys.removeIf(k -> k.startsWith(prefix));
      }
    }
  }
}
