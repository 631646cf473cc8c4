package dev.kvmop.bench.peer;

import dev.kvmop.bench.Bench;
import dev.kvmop.bench.MachineInfo;
import dev.kvmop.bench.OperatorRig;
import dev.kvmop.bench.RunReport;
import dev.kvmop.testing.OpenSshServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code make bench-peer}: kvm-operator and libvirt side by side in one run, on the same machine,
 * with the same guests (issue 18); not a test. Both sides reach "hosts" through the same loopback
 * OpenSSH sshds of {@link OperatorRig}: ours as KvmHosts, libvirt as qemu+ssh connections to the
 * machine's one libvirtd. Prints one line per figure and pair, and appends a table to {@code
 * --out}.
 */
public final class PeerBench {
  /** Defaults: the figures of issue 18. Any other value marks the run as non-standard. */
  static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("scenarios", "L1,L2,L3,L4,B7");
    // One repeat keeps a run under 25 minutes: 2 took 29 minutes at load average 15 to 80.
    DEFAULTS.put("repeat", "1");
    DEFAULTS.put("hosts", "4");
    DEFAULTS.put("l1-guests", "20");
    DEFAULTS.put("l2-guests", "100");
    DEFAULTS.put("l3-guests", "100");
    DEFAULTS.put("l4-guests", "10");
    DEFAULTS.put("b7-guests", "10");
    DEFAULTS.put("interval", "2");
    DEFAULTS.put("window", "60");
    DEFAULTS.put("idle-window", "20");
    DEFAULTS.put("create-threads", "16");
    DEFAULTS.put("transport", "ssh");
    DEFAULTS.put("operator-java-opts", Bench.OPERATOR_JAVA_OPTS);
    DEFAULTS.put("cleanup-timeout", "180");
    DEFAULTS.put("out", "docs/benchmarks.md");
  }

  /** The SSH key libvirt's ssh reads, in the run's directory; deleted at the end. */
  private static final String CLIENT_KEY = "libvirt-client-key";

  private final Map<String, String> opt;
  private final PrintStream out;
  private final PeerReport report;
  private OperatorRig rig;
  private LibvirtDaemon daemon;
  private LibvirtClient client;
  private LibvirtSide libvirt;
  private OperatorSide ours;
  private BootShape bootShape;

  private PeerBench(Map<String, String> opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
    this.report = new PeerReport(out);
  }

  public static void main(String[] args) throws Exception {
    run(args, System.out);
    System.exit(0);
  }

  /** Runs the benchmark; returns the Markdown section it printed and appended. */
  public static String run(String[] args, PrintStream out) throws Exception {
    Map<String, String> opt = RunReport.options(args, DEFAULTS);
    if (!List.of("ssh", "local").contains(opt.get("transport"))) {
      throw new IllegalArgumentException("--transport: ssh or local, got " + opt.get("transport"));
    }
    return new PeerBench(opt, out).run();
  }

  private String run() throws Exception {
    String load = MachineInfo.loadAverage();
    long started = System.nanoTime();
    String libvirtVersion = "";
    // Ctrl-C ends the JVM without running finally blocks: the hook stops what the run started.
    Thread hook = new Thread(this::stopAll, "bench-peer-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      rig =
          OperatorRig.start(
              new OperatorRig.Config(num("hosts"), num("interval"), opt.get("operator-java-opts")),
              true,
              out);
      daemon = LibvirtDaemon.start(rig.dir(), out);
      daemon.setupNotes().forEach(n -> report.note("setup: " + n));
      libvirtVersion = ", " + LibvirtDaemon.version() + " (" + LibvirtClient.version() + ")";
      client = new LibvirtClient(uris(rig));
      ours =
          new OperatorSide(
              rig, num("create-threads"), num("interval"), num("cleanup-timeout"), report::note);
      libvirt = new LibvirtSide(daemon, client, rig.sshds(), num("create-threads"), report::note);
      if (runsB7()) {
        bootShape = BootShape.prepare();
      }
      runScenarios(new PeerScenarios(ours, libvirt, report, opt, bootShape).all());
    } finally {
      stopAll();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down: the hook runs (and finds nothing left to stop)
      }
    }
    report.summary().forEach(out::println);
    String section =
        RunReport.header(
                "Peer run (kvm-operator and libvirt)",
                DEFAULTS,
                opt,
                "dev.kvmop.bench.peer.PeerBench " + opt,
                load,
                libvirtVersion)
            + setupLine(Duration.ofNanos(System.nanoTime() - started))
            + report.table();
    RunReport.append(Path.of(opt.get("out")), section, out);
    return section;
  }

  /** Destroys libvirt's guests, stops the daemons, then the operator side; once. */
  private synchronized void stopAll() {
    if (client != null) {
      client.stopCreating();
    }
    if (libvirt != null) {
      try {
        libvirt.cleanUp("end");
      } catch (Exception e) {
        report.note("libvirt clean-up at the end failed: " + e);
      }
      libvirt.destroyNetwork();
      libvirt = null;
    }
    if (client != null) {
      client.close();
      client = null;
    }
    if (daemon != null) {
      daemon.close();
      daemon = null;
    }
    if (rig != null) {
      try {
        Files.deleteIfExists(rig.dir().resolve(CLIENT_KEY));
      } catch (java.io.IOException e) {
        out.println("could not delete the libvirt client key: " + e);
      }
      rig.close();
      rig = null;
    }
    if (ours != null) {
      ours.removeNetworkLeftovers();
      ours = null;
    }
    if (bootShape != null) {
      try {
        bootShape.close();
      } catch (java.io.IOException e) {
        out.println("could not remove the B7 kernel copies: " + e);
      }
      bootShape = null;
    }
  }

  private void runScenarios(Map<String, PeerScenarios.Scenario> all) {
    int repeat = num("repeat");
    for (String id : opt.get("scenarios").toUpperCase().split(",")) {
      PeerScenarios.Scenario scenario = all.get(id);
      if (scenario == null) {
        throw new IllegalArgumentException(
            "--scenarios: unknown " + id + "; known " + all.keySet());
      }
      for (int r = 1; r <= repeat; r++) {
        out.printf("== %s run %d/%d (load %s)%n", id, r, repeat, MachineInfo.loadAverage());
        try {
          scenario.run(r);
        } catch (Exception | AssertionError e) {
          report.note(id + " run " + r + " failed: " + e);
          e.printStackTrace(out);
        }
      }
    }
  }

  /**
   * qemu+ssh to each sshd as this user with the bench's key. The host keys are pinned in a
   * known_hosts file of the run, handed to ssh through libvirt's {@code command} parameter (a
   * two-line wrapper), as ours pins them in the KvmHost; {@code no_verify=1} would instead add each
   * key to the user's own ~/.ssh/known_hosts.
   */
  private List<String> uris(OperatorRig rig) throws Exception {
    if (opt.get("transport").equals("local")) {
      return java.util.Collections.nCopies(rig.hosts(), "qemu:///system");
    }
    Path dir = rig.dir();
    Path key = dir.resolve(CLIENT_KEY);
    Files.writeString(key, rig.key().privateKey());
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Path knownHosts = dir.resolve("libvirt-known_hosts");
    List<String> lines = new ArrayList<>();
    for (OpenSshServer sshd : rig.sshds()) {
      lines.add("[127.0.0.1]:" + sshd.port() + " " + sshd.hostKeyLine());
    }
    Files.write(knownHosts, lines);
    Path ssh = dir.resolve("ssh-pinned");
    Files.writeString(
        ssh,
        "#!/bin/sh\nexec ssh -o UserKnownHostsFile="
            + knownHosts
            + " -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes \"$@\"\n");
    Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
    List<String> uris = new ArrayList<>();
    for (OpenSshServer sshd : rig.sshds()) {
      uris.add(
          "qemu+ssh://"
              + System.getProperty("user.name")
              + "@127.0.0.1:"
              + sshd.port()
              + "/system?keyfile="
              + key
              + "&command="
              + ssh);
    }
    return uris;
  }

  private String setupLine(Duration took) {
    String transport =
        opt.get("transport").equals("ssh")
            ? "libvirt "
                + opt.get("hosts")
                + " qemu+ssh connections, one per sshd (host keys pinned)"
            : "**libvirt over qemu:///system (local socket, not SSH)**";
    return "- Setup: "
        + opt.get("hosts")
        + " OpenSSH sshd on loopback shared by both sides: ours "
        + opt.get("hosts")
        + " KvmHosts, one per sshd, probe interval "
        + opt.get("interval")
        + " s; "
        + transport
        + ", all to this machine's one libvirtd; "
        + opt.get("create-threads")
        + " client threads for bursts on each side; guests "
        + GuestShape.describe()
        + (runsB7() ? "; B7 guests " + BootShape.describe() : "")
        + "; operator JVM `JAVA_TOOL_OPTIONS="
        + opt.get("operator-java-opts")
        + "`; "
        + opt.get("repeat")
        + " repeats per scenario, sides alternating which runs first, table shows the medians and"
        + " their ratio; took "
        + took.toSeconds()
        + " s\n\n";
  }

  private boolean runsB7() {
    return List.of(opt.get("scenarios").toUpperCase().split(",")).contains("B7");
  }

  private int num(String key) {
    return Integer.parseInt(opt.get(key));
  }
}
