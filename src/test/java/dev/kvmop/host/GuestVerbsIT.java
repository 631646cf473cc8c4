package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmHostStatus.HostFacts;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.host.GuestProcess.ExitCause;
import dev.kvmop.host.GuestProcess.State;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import dev.kvmop.qemu.GuestDirs;
import dev.kvmop.qemu.LaunchSpec;
import dev.kvmop.qemu.QemuArgs;
import dev.kvmop.testing.MinaSshServer;
import dev.kvmop.testing.SshKeys;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guest verbs against the real qemu 7.2 (TCG) on this machine, through the embedded SSH server
 * and the real /bin/sh, with the helper script installed by the agent. Every qemu and helper
 * process a test starts is killed by recorded pid afterwards.
 */
class GuestVerbsIT {
  static final String QEMU = "/usr/bin/qemu-system-x86_64";
  static final SshKeys.KeyText KEY = SshKeys.generate("ed25519");
  static final MinaSshServer SERVER = new MinaSshServer().authorize(KEY.publicKeyLine());

  static RemoteShell shell;
  static ShellHostAgent agent;
  static Path workDir;

  /** What the host presents as /proc/modules (through KVMOP_PROC_MODULES). */
  static Path procModules;

  static final List<Long> started = new CopyOnWriteArrayList<>();
  static final List<Process> helpers = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(QEMU)), "qemu-system-x86_64 is not installed");
    workDir = Files.createTempDirectory(Path.of("/tmp"), "kvmop-it");
    procModules = workDir.resolve("proc-modules");
    Files.writeString(procModules, "");
    SERVER.environment("KVMOP_PROC_MODULES", procModules.toString()).start();
    shell = new SshRemoteShellFactory().connect(SERVER.target("ns/local", KEY.privateKey(), 10));
    agent = new ShellHostAgent(shell);
    agent.ensureWorkDir(workDir.toString(), "it-owner");
  }

  @AfterEach
  void killWhatWasStarted() throws Exception {
    for (Long pid : started) {
      ProcessHandle.of(pid).filter(GuestVerbsIT::isQemu).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (Long pid : started) {
      awaitGone(pid);
    }
    started.clear();
    for (Process p : helpers) {
      p.destroyForcibly();
      p.waitFor();
    }
    helpers.clear();
    // Watchers exit once their qemu is gone.
    poll(Duration.ofSeconds(5), () -> watchers().isEmpty());
    assertThat(watchers()).as("leaked event watchers").isEmpty();
  }

  @AfterAll
  static void stop() throws IOException {
    if (shell != null) {
      shell.close();
    }
    SERVER.stop();
    if (workDir != null) {
      try (Stream<Path> files = Files.walk(workDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  // ---------------------------------------------------------------- tests

  /**
   * The host resolves what a guest names: a symlink below an allowed directory that leads out of it
   * is seen for what it is, and the policy check refuses it.
   */
  @Test
  void resolvePathsFollowsSymlinksOutOfAnAllowedDirectory() throws Exception {
    Path allowed = Files.createDirectories(workDir.resolve("allowed"));
    Files.createSymbolicLink(allowed.resolve("escape"), Path.of("/etc"));
    Files.writeString(allowed.resolve("ok.img"), "x");
    String escape = allowed + "/escape/shadow";
    String ok = allowed + "/ok.img";
    String missing = allowed + "/not-yet/new.img";

    List<String> real =
        agent.resolvePaths(workDir.toString(), List.of(escape, ok, missing, allowed.toString()));

    assertThat(real).containsExactly("/etc/shadow", ok, missing, allowed.toString());
    var policy = new dev.kvmop.api.GuestPolicy();
    policy.allowedPaths = List.of(allowed.toString());
    var paths =
        List.of(
            new dev.kvmop.qemu.GuestPolicyChecks.HostPath("spec.disks[0].path", escape),
            new dev.kvmop.qemu.GuestPolicyChecks.HostPath("spec.disks[1].path", ok));
    assertThat(
            dev.kvmop.qemu.GuestPolicyChecks.resolvedErrors(
                paths, real.subList(0, 2), policy, real.subList(3, 4)))
        .containsExactly(
            "spec.disks[0].path: "
                + escape
                + " resolves to /etc/shadow, outside the host's guestPolicy.allowedPaths ["
                + allowed
                + "]");
  }

  @Test
  void lifecycleLaunchAdoptResetStopRemove() throws Exception {
    Guest g = guest("life", spec());
    LaunchedProcess first = launch(g);
    assertThat(first.adopted()).isFalse();
    assertThat(first.bootId()).isEqualTo(bootId());
    assertThat(cmdline(first.pid())).contains("-uuid", g.uuid);
    String stat = Files.readString(Path.of("/proc/" + first.pid() + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    assertThat(Long.parseLong(fields[19])).isEqualTo(first.startTicks()); // field 22

    GuestProcess seen = probe().guests().get(g.dir);
    assertThat(seen)
        .isEqualTo(
            new GuestProcess(g.dir, g.uuid, State.Running, first.pid(), first.startTicks(), null));
    assertThat(probe().orphans()).doesNotContain(first.pid());
    poll(Duration.ofSeconds(5), () -> Files.exists(Path.of(g.dir, "watching")));

    LaunchedProcess again = launch(g);
    assertThat(again.adopted()).isTrue();
    assertThat(again.pid()).isEqualTo(first.pid());
    assertThat(again.startTicks()).isEqualTo(first.startTicks());
    assertThat(qemusWithUuid(g.uuid)).containsExactly((long) first.pid());
    assertThat(watchers()).hasSize(1);

    agent.reset(g.dir);
    assertThat(probe().guests().get(g.dir).pid()).isEqualTo(first.pid());
    assertThat(probe().guests().get(g.dir).state()).isEqualTo(State.Running);

    assertThatThrownBy(() -> agent.removeGuestDir(g.dir))
        .isInstanceOf(HostException.class)
        .hasMessageContaining("still runs");
    assertThat(Path.of(g.dir)).isDirectory();

    // machine none has no ACPI: powerdown does nothing, so this exercises the SIGTERM path.
    long t0 = System.nanoTime();
    agent.stop(g.dir, g.uuid, Duration.ofSeconds(1));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
    assertThat(ProcessHandle.of(first.pid()).filter(GuestVerbsIT::isQemu)).isEmpty();
    assertThat(probe().guests().get(g.dir))
        .isEqualTo(
            new GuestProcess(g.dir, g.uuid, State.Exited, null, null, ExitCause.StopRequested));
    agent.stop(g.dir, g.uuid, Duration.ofSeconds(1)); // idempotent

    agent.removeGuestDir(g.dir);
    assertThat(Path.of(g.dir)).doesNotExist();
    assertThat(probe().guests()).doesNotContainKey(g.dir);
    agent.removeGuestDir(g.dir); // idempotent
  }

  /**
   * The longest namespace (63) and name (253) Kubernetes allows: the directory name is cut to 255
   * bytes, and its socket paths are far over the 107 bytes of a socket address, yet qemu binds them
   * and the script's QMP commands and event watcher reach them.
   */
  @Test
  void theLongestNamespaceAndNameLaunchAnswerQmpAndStop() throws Exception {
    Guest g = guest(LONGEST_NAMESPACE, LONGEST_NAME, spec());
    assertThat(Path.of(g.dir).getFileName().toString()).hasSize(GuestDirs.MAX_NAME_BYTES);
    assertThat(new GuestDirs(g.dir).qmpSocket()).hasSizeGreaterThan(107);
    LaunchedProcess p = launch(g);
    assertThat(p.adopted()).isFalse();
    assertThat(Path.of(g.dir, GuestDirs.QMP_SOCKET)).exists();
    assertThat(Path.of(g.dir, GuestDirs.CONSOLE_SOCKET)).exists();
    poll(Duration.ofSeconds(5), () -> Files.exists(Path.of(g.dir, "watching")));
    assertThat(probe().guests().get(g.dir).state()).isEqualTo(State.Running);

    agent.reset(g.dir); // QMP system_reset; fails when the script cannot reach qmp.sock
    assertThat(probe().guests().get(g.dir).pid()).isEqualTo(p.pid());
    assertThat(launch(g).adopted()).isTrue();

    agent.stop(g.dir, g.uuid, Duration.ofSeconds(1));
    assertThat(ProcessHandle.of(p.pid()).filter(GuestVerbsIT::isQemu)).isEmpty();
    assertThat(probe().guests().get(g.dir))
        .isEqualTo(
            new GuestProcess(g.dir, g.uuid, State.Exited, null, null, ExitCause.StopRequested));
    // qemu cannot unlink sockets it bound by a relative name once it is in /: the stop does.
    assertThat(Path.of(g.dir, GuestDirs.QMP_SOCKET)).doesNotExist();
    assertThat(Path.of(g.dir, GuestDirs.EVENTS_SOCKET)).doesNotExist();
    assertThat(Path.of(g.dir, GuestDirs.CONSOLE_SOCKET)).doesNotExist();
    agent.removeGuestDir(g.dir);
    assertThat(Path.of(g.dir)).doesNotExist();
  }

  /**
   * The same longest names: a QMP command sent through the script's own QMP client lets the guest
   * power off, and the event watcher, connected to events.sock, records it as the guest's doing.
   */
  @Test
  void theLongestNamespaceAndNameRecordAGuestInitiatedShutdown() throws Exception {
    Path bios = workDir.resolve("poweroff-long.bin");
    Files.write(bios, dev.kvmop.testing.PoweroffBios.image(false));
    KvmGuestSpec spec = spec();
    spec.machine = "pc";
    spec.extraArgs = List.of("-bios", bios.toString(), "-vga", "none", "-S");
    Guest g = guest(LONGEST_NAMESPACE, LONGEST_NAME, spec);
    launch(g);
    poll(Duration.ofSeconds(5), () -> Files.exists(Path.of(g.dir, "watching")));

    String perl = workDir.resolve("bin/kvmop-guest.pl").toString();
    CommandResult cont = run("perl", perl, "qmp", g.dir + "/" + GuestDirs.QMP_SOCKET, "cont", "5");
    assertThat(cont.exitCode()).as(cont.stderr()).isZero();
    poll(Duration.ofSeconds(10), () -> probe().guests().get(g.dir).state() == State.Exited);
    assertThat(probe().guests().get(g.dir).exit()).isEqualTo(ExitCause.GuestShutdown);
  }

  @Test
  void killedQemuIsExitedUnknownAndRelaunchStartsAFreshOne() throws Exception {
    Guest g = guest("killed", spec());
    LaunchedProcess first = launch(g);
    ProcessHandle.of(first.pid()).orElseThrow().destroyForcibly();
    poll(Duration.ofSeconds(5), () -> probe().guests().get(g.dir).state() == State.Exited);
    assertThat(probe().guests().get(g.dir))
        .isEqualTo(new GuestProcess(g.dir, g.uuid, State.Exited, null, null, ExitCause.Unknown));

    LaunchedProcess second = launch(g);
    assertThat(second.adopted()).isFalse();
    assertThat(second.pid()).isNotEqualTo(first.pid());
    assertThat(probe().guests().get(g.dir).state()).isEqualTo(State.Running);
  }

  /**
   * A launch cut off while qemu was daemonizing leaves two processes with the guest's identity for
   * a moment (the parent exits once its child is set up). The next launch waits that out and adopts
   * the one that stays, instead of failing on "several qemu processes".
   */
  @Test
  void aSecondQemuOfTheGuestThatIsAboutToExitIsWaitedOutAndTheOtherAdopted() throws Exception {
    Guest g = guest("daemonizing", spec());
    LaunchedProcess real = launch(g);
    Files.delete(Path.of(g.dir, "pid"));
    Process parting =
        new ProcessBuilder(
                "timeout",
                "1.5",
                QEMU,
                "-uuid",
                g.uuid,
                "-machine",
                "none",
                "-display",
                "none",
                "-S",
                "-nodefaults")
            .start();
    helpers.add(parting);
    poll(Duration.ofSeconds(5), () -> qemusWithUuid(g.uuid).size() == 2);

    LaunchedProcess again = launch(g);
    assertThat(again.adopted()).isTrue();
    assertThat(again.pid()).isEqualTo(real.pid());
    assertThat(qemusWithUuid(g.uuid)).containsExactly((long) real.pid());
  }

  @Test
  void aPidfileNamingALiveNonQemuProcessIsNotRunning() throws Exception {
    Guest g = guest("sleeper", spec());
    LaunchedProcess real = launch(g);
    Process sleep = pidfileNamingASleep(g);

    GuestProcess seen = probe().guests().get(g.dir);
    assertThat(seen.state()).isEqualTo(State.Exited);
    assertThat(seen.pid()).isNull();

    // reset and stop refuse to touch the sleep; launch finds the real qemu by identity instead
    // of starting a second one.
    assertThatThrownBy(() -> agent.reset(g.dir)).hasMessageContaining("not running");
    assertThatThrownBy(() -> agent.removeGuestDir(g.dir)).hasMessageContaining("still runs");
    LaunchedProcess adopted = launch(g);
    assertThat(adopted.adopted()).isTrue();
    assertThat(adopted.pid()).isEqualTo(real.pid());
    assertThat(qemusWithUuid(g.uuid)).containsExactly((long) real.pid());
    assertThat(sleep.isAlive()).isTrue();
  }

  @Test
  void stopNeverSignalsAProcessThatIsNotTheGuest() throws Exception {
    Guest g = guest("nosignal", spec());
    LaunchedProcess real = launch(g);
    Process sleep = pidfileNamingASleep(g);
    agent.stop(g.dir, g.uuid, Duration.ZERO);
    assertThat(sleep.isAlive()).isTrue();
    assertThat(ProcessHandle.of(real.pid()).filter(GuestVerbsIT::isQemu)).isPresent();
  }

  @Test
  void aPidfileNamingAnotherGuestsQemuIsNotRunning() throws Exception {
    Guest a = guest("a", spec());
    Guest b = guest("b", spec());
    launch(a);
    LaunchedProcess pb = launch(b);
    Files.writeString(Path.of(a.dir, "pid"), pb.pid() + "\n");
    HostProbe p = probe();
    assertThat(p.guests().get(a.dir).state()).isEqualTo(State.Exited);
    assertThat(p.guests().get(b.dir).state()).isEqualTo(State.Running);
    assertThat(p.guests().get(b.dir).pid()).isEqualTo(pb.pid());
    // stop of a must not take b down
    agent.stop(a.dir, a.uuid, Duration.ZERO);
    assertThat(ProcessHandle.of(pb.pid()).filter(GuestVerbsIT::isQemu)).isPresent();
  }

  @Test
  void aQemuWhoseDirectoryIsGoneIsAnOrphan() throws Exception {
    Guest g = guest("orphan", spec());
    LaunchedProcess p = launch(g);
    deleteTree(Path.of(g.dir));
    HostProbe probe = probe();
    assertThat(probe.guests()).doesNotContainKey(g.dir);
    assertThat(probe.orphans()).contains(p.pid());
  }

  @Test
  void hostileExtraArgsReachQemuLiterally() throws Exception {
    Path tmp = Files.createTempDirectory(Path.of("/tmp"), "kvmop-pwn");
    try {
      KvmGuestSpec spec = spec();
      spec.extraArgs =
          List.of(
              "; touch " + tmp + "/pwned",
              "$(touch " + tmp + "/pwned2)",
              "`touch " + tmp + "/pwned3`");
      Guest g = guest("hostile", spec);
      assertThatThrownBy(() -> launch(g))
          .isInstanceOf(HostException.class)
          .hasMessageContaining("; touch " + tmp + "/pwned");
      assertThat(tmp.resolve("pwned")).doesNotExist();
      assertThat(tmp.resolve("pwned2")).doesNotExist();
      assertThat(tmp.resolve("pwned3")).doesNotExist();
      assertThat(qemusWithUuid(g.uuid)).isEmpty();
      assertThat(probe().guests().get(g.dir).state()).isEqualTo(State.Exited);
    } finally {
      deleteTree(tmp);
    }
  }

  @Test
  void guestDirectoriesOutsideGuestsAreRefused() throws Exception {
    probe(); // installs the script
    assertThatThrownBy(() -> agent.removeGuestDir(workDir.toString()))
        .isInstanceOf(HostException.class);
    assertThat(workDir).isDirectory();
    // The host script refuses on its own, too.
    for (String bad : List.of(workDir.toString(), workDir + "/guests/a/../..", "/tmp")) {
      CommandResult r = run(HelperFiles.helperPath(workDir.toString()), "remove", bad);
      assertThat(r.exitCode()).as(bad).isNotZero();
      assertThat(r.stderr()).contains("refusing");
    }
    assertThat(workDir).isDirectory();
  }

  @Test
  void guestInitiatedShutdownIsRecorded() throws Exception {
    // A 64 KiB "BIOS" whose reset vector enables the PIIX4 PM I/O space and writes SLP_EN with
    // SLP_TYP=0 (S5) to PM1a_CNT: qemu reports SHUTDOWN {"guest": true, "reason":
    // "guest-shutdown"}.
    Path bios = workDir.resolve("poweroff.bin");
    Files.write(bios, dev.kvmop.testing.PoweroffBios.image(false));
    KvmGuestSpec spec = spec();
    spec.machine = "pc";
    spec.extraArgs = List.of("-bios", bios.toString(), "-vga", "none", "-S");
    Guest g = guest("poweroff", spec);
    LaunchedProcess p = launch(g);
    poll(Duration.ofSeconds(5), () -> Files.exists(Path.of(g.dir, "watching")));
    assertThat(probe().guests().get(g.dir).state()).isEqualTo(State.Running);

    qmp(new GuestDirs(g.dir).qmpSocket(), "cont");
    poll(Duration.ofSeconds(10), () -> probe().guests().get(g.dir).state() == State.Exited);
    assertThat(ProcessHandle.of(p.pid()).filter(GuestVerbsIT::isQemu)).isEmpty();
    assertThat(probe().guests().get(g.dir).exit()).isEqualTo(ExitCause.GuestShutdown);
    assertThat(Files.readString(Path.of(g.dir, "exit"))).startsWith("guest-shutdown");

    // A relaunch clears the record.
    launch(g);
    assertThat(Path.of(g.dir, "exit")).doesNotExist();
  }

  @Test
  void scriptIsReinstalledWhenItChangesOnTheHost() throws Exception {
    Path script = Path.of(HelperFiles.helperPath(workDir.toString()));
    probe(); // installs
    assertThat(Files.readAllBytes(script)).isEqualTo(HelperFiles.HELPER.content());
    assertThat(Files.getPosixFilePermissions(script).toString()).contains("OTHERS_EXECUTE");
    Files.delete(script);
    probe(); // exit 127 -> reinstall once
    assertThat(Files.readAllBytes(script)).isEqualTo(HelperFiles.HELPER.content());
    // A new connection (a new agent over another shell) verifies the hash and rewrites.
    Files.writeString(script, "#!/bin/sh\necho tampered\n");
    RemoteShell other =
        new SshRemoteShellFactory().connect(SERVER.target("ns/local2", KEY.privateKey(), 10));
    try {
      new ShellHostAgent(other).probeGuests(workDir.toString(), QEMU);
    } finally {
      other.close();
    }
    assertThat(Files.readAllBytes(script)).isEqualTo(HelperFiles.HELPER.content());
  }

  @Test
  void probeTimeForFiftyDirectories() throws Exception {
    Path fake = Files.createTempDirectory(Path.of("/tmp"), "kvmop-probe");
    try {
      for (int i = 0; i < 50; i++) {
        Path d =
            Files.createDirectories(fake.resolve("guests/ns_vm" + i + "_" + UUID.randomUUID()));
        Files.writeString(d.resolve("uuid"), UUID.randomUUID() + "\n");
        Files.writeString(d.resolve("qemu"), QEMU + "\n");
        Files.writeString(d.resolve("pid"), (i % 2 == 0 ? 1 : 999_999) + "\n");
        if (i % 3 == 0) {
          Files.writeString(d.resolve("stop-intent"), "stop-requested\n");
        }
      }
      agent.ensureWorkDir(fake.toString(), "it-owner");
      agent.probeGuests(fake.toString(), QEMU); // install + warm
      int rounds = 20;
      long t0 = System.nanoTime();
      HostProbe last = null;
      for (int i = 0; i < rounds; i++) {
        last = agent.probeGuests(fake.toString(), QEMU);
      }
      Duration each = Duration.ofNanos((System.nanoTime() - t0) / rounds);
      System.out.printf(
          "probe of 50 guest dirs (%d processes on the host): %d ms per probe%n",
          ProcessHandle.allProcesses().count(), each.toMillis());
      assertThat(last.guests()).hasSize(50);
      assertThat(last.guests().values()).allMatch(gp -> gp.state() == State.Exited);
      assertThat(each).isLessThan(Duration.ofSeconds(2));
    } finally {
      deleteTree(fake);
    }
  }

  @Test
  void factsDescribeThisMachine() throws Exception {
    HostFacts facts = agent.probeFacts(QEMU);
    assertThat(facts.kernel)
        .isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
    assertThat(facts.arch).isEqualTo("x86_64");
    assertThat(facts.cpus).isPositive();
    assertThat(facts.memoryBytes).isPositive();
    assertThat(facts.bootId).isEqualTo(bootId());
    assertThat(facts.qemuVersion).startsWith("QEMU emulator version ");
    assertThat(agent.probeFacts("/nonexistent/qemu").qemuVersion).isNull();
  }

  @Test
  void modulesAreWhatTheHostLists() throws Exception {
    Files.writeString(
        procModules,
        "kvm_intel 368640 0 - Live 0x0\nkvm 1036288 1 kvm_intel, Live 0x0 (O)\nnot a module\n");
    assertThat(agent.loadedModules(workDir.toString()))
        .containsExactly(Map.entry("kvm_intel", 0), Map.entry("kvm", 1));
    Files.writeString(procModules, "");
    assertThat(agent.loadedModules(workDir.toString())).isEmpty();
    Files.delete(procModules);
    try {
      assertThatThrownBy(() -> agent.loadedModules(workDir.toString()))
          .isInstanceOf(HostException.class)
          .hasMessageContaining("cannot read the module list");
    } finally {
      Files.writeString(procModules, "");
    }
  }

  @Test
  void ifupFilesAreWrittenOnceAndTheScriptAddsTheTapToTheBridge() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "kvmop-ifup");
    try {
      agent.ensureWorkDir(dir.toString(), "it-owner");
      Path ifup = dir.resolve("qemu-ifup");
      Path bridgeFile = dir.resolve("qemu-ifup.bridge");
      agent.writeIfupScript(dir.toString(), "br-one");
      assertThat(Files.readAllBytes(ifup)).isEqualTo(HelperFiles.IFUP.content());
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ifup)))
          .isEqualTo("rwxr-xr-x");
      assertThat(Files.readString(bridgeFile)).isEqualTo("br-one\n");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(bridgeFile)))
          .isEqualTo("rw-r--r--");

      // Unchanged files are left alone (same inode), also when a new connection writes them.
      Object ifupInode = Files.getAttribute(ifup, "unix:ino");
      Object bridgeInode = Files.getAttribute(bridgeFile, "unix:ino");
      RemoteShell other =
          new SshRemoteShellFactory().connect(SERVER.target("ns/ifup", KEY.privateKey(), 10));
      try {
        new ShellHostAgent(other).writeIfupScript(dir.toString(), "br-one");
      } finally {
        other.close();
      }
      assertThat(Files.getAttribute(ifup, "unix:ino")).isEqualTo(ifupInode);
      assertThat(Files.getAttribute(bridgeFile, "unix:ino")).isEqualTo(bridgeInode);

      agent.writeIfupScript(dir.toString(), "br-two");
      assertThat(Files.readString(bridgeFile)).isEqualTo("br-two\n");
      assertThat(Files.getAttribute(ifup, "unix:ino")).isEqualTo(ifupInode);

      // What qemu does with it: run it with the tap; a stand-in ip records what it is asked.
      Path bin = Files.createDirectories(dir.resolve("stand-in"));
      Path calls = dir.resolve("ip-calls");
      Files.writeString(bin.resolve("ip"), "#!/bin/sh\necho \"$*\" >> " + calls + "\n");
      Files.setPosixFilePermissions(
          bin.resolve("ip"), PosixFilePermissions.fromString("rwx------"));
      ProcessBuilder qemuRunsIt = new ProcessBuilder(ifup.toString(), "tap-it0");
      qemuRunsIt.environment().put("PATH", bin + ":/usr/sbin:/usr/bin:/sbin:/bin");
      assertThat(qemuRunsIt.start().waitFor()).isZero();
      assertThat(Files.readAllLines(calls))
          .containsExactly("link set dev tap-it0 up", "link set dev tap-it0 master br-two");
    } finally {
      deleteTree(dir);
    }
  }

  @Test
  void helperVerbsRefuseBadArguments() throws Exception {
    probe(); // installs the helper
    String helper = HelperFiles.helperPath(workDir.toString());
    for (List<String> argv :
        List.of(
            List.of(helper),
            List.of(helper, "nonsense"),
            List.of(helper, "ifup", workDir.toString()),
            List.of(helper, "ifup", workDir.toString(), ""),
            List.of(helper, "bridge"),
            List.of(helper, "modules", "extra"))) {
      CommandResult r = run(argv.toArray(String[]::new));
      assertThat(r.exitCode()).as(argv.toString()).isEqualTo(1);
      assertThat(r.stderr()).as(argv.toString()).startsWith("kvmop-guest: ");
    }
  }

  /**
   * Several files, one install round trip; a missing perl half reinstalls like a missing helper.
   */
  @Test
  void everyHelperFileIsInstalledAndAMissingOneIsReinstalled() throws Exception {
    probe(); // installs
    Path bin = workDir.resolve("bin");
    for (HostScript file : HelperFiles.INSTALLED) {
      assertThat(Files.readAllBytes(bin.resolve(file.name()))).isEqualTo(file.content());
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(bin.resolve(file.name()))))
          .isEqualTo(file.mode().equals("0755") ? "rwxr-xr-x" : "rw-r--r--");
    }
    Files.delete(bin.resolve("kvmop-guest.pl"));
    probe(); // exit 127 -> reinstall once
    assertThat(Files.readAllBytes(bin.resolve("kvmop-guest.pl")))
        .isEqualTo(HelperFiles.PERL.content());
    try (Stream<Path> left = Files.list(bin)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("no temporary files left")
          .containsExactlyInAnyOrder(
              "kvmop-guest",
              "kvmop-guest.pl",
              "kvmop-console.pl",
              "qemu-ifup",
              "kvmop-net",
              "kvmop-disks");
    }
  }

  // ---------------------------------------------------------------- helpers

  record Guest(String name, String uuid, String dir, List<String> argv) {}

  /** The longest namespace (a DNS label) and object name (a DNS subdomain) Kubernetes accepts. */
  static final String LONGEST_NAMESPACE = "n".repeat(63);

  static final String LONGEST_NAME = "long-" + "a".repeat(248);

  static KvmGuestSpec spec() {
    KvmGuestSpec spec = new KvmGuestSpec();
    spec.hostRef = new ObjectRef("local");
    spec.machine = "none";
    spec.memory = "16Mi";
    spec.network.type = NetworkType.None;
    return spec;
  }

  static Guest guest(String name, KvmGuestSpec spec) {
    return guest("it", name, spec);
  }

  static Guest guest(String namespace, String name, KvmGuestSpec spec) {
    String uuid = UUID.randomUUID().toString();
    GuestDirs dirs = GuestDirs.of(workDir.toString(), namespace, name, uuid);
    List<String> argv =
        QemuArgs.build(
            new LaunchSpec(namespace, name, uuid, dirs.dir(), QEMU, "", spec, "tcg", null, null));
    return new Guest(name, uuid, dirs.dir(), argv);
  }

  static LaunchedProcess launch(Guest g) throws HostException {
    LaunchedProcess p = agent.launch(new GuestLaunch(g.dir, g.argv, g.uuid));
    started.add((long) p.pid());
    return p;
  }

  /** Starts a long sleep (killed after the test) and points the guest's pidfile at it. */
  static Process pidfileNamingASleep(Guest g) throws IOException {
    Process sleep = new ProcessBuilder("sleep", "300").start();
    helpers.add(sleep);
    Files.writeString(Path.of(g.dir, "pid"), sleep.pid() + "\n");
    return sleep;
  }

  static HostProbe probe() throws HostException {
    HostProbe p = agent.probeGuests(workDir.toString(), QEMU);
    p.orphans().forEach(pid -> started.add((long) pid));
    return p;
  }

  static CommandResult run(String... argv) throws HostException {
    return shell.run(new Command("test", List.of(argv), Duration.ofSeconds(20)));
  }

  static boolean isQemu(ProcessHandle h) {
    try {
      return Path.of("/proc/" + h.pid() + "/exe").toRealPath().toString().equals(QEMU);
    } catch (IOException e) {
      return false;
    }
  }

  static List<String> cmdline(long pid) {
    try {
      String raw =
          new String(
              Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
      return List.of(raw.split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }

  static List<Long> qemusWithUuid(String uuid) {
    return ProcessHandle.allProcesses()
        .filter(GuestVerbsIT::isQemu)
        .filter(h -> cmdline(h.pid()).contains(uuid))
        .map(ProcessHandle::pid)
        .toList();
  }

  /** Event watchers started for guests below this test's workDir. */
  static List<Long> watchers() {
    Predicate<List<String>> ours =
        c -> !c.isEmpty() && c.get(0).startsWith("kvmop-guest-watch " + workDir);
    return ProcessHandle.allProcesses()
        .filter(h -> ours.test(cmdline(h.pid())))
        .map(ProcessHandle::pid)
        .toList();
  }

  static String bootId() throws IOException {
    return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
  }

  static void awaitGone(long pid) throws Exception {
    poll(
        Duration.ofSeconds(10), () -> ProcessHandle.of(pid).filter(GuestVerbsIT::isQemu).isEmpty());
  }

  static void poll(Duration max, Callable<Boolean> check) {
    await().atMost(max).pollInterval(Duration.ofMillis(50)).until(check);
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** One QMP command, from the test (the operator's own path goes through the script). */
  static void qmp(String socket, String command) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
      var in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  java.nio.channels.Channels.newInputStream(ch), StandardCharsets.UTF_8));
      assertThat(in.readLine()).contains("QMP");
      out.write("{\"execute\":\"qmp_capabilities\"}\n".getBytes(StandardCharsets.UTF_8));
      assertThat(in.readLine()).contains("return");
      out.write(("{\"execute\":\"" + command + "\"}\n").getBytes(StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.contains("\"return\"")) {
        assertThat(line).doesNotContain("\"error\"");
      }
    }
  }

  /** Real-mode code at F000:0000, reached by a near jump from the reset vector at F000:FFF0. */
  static List<String> list(String... s) {
    return new ArrayList<>(List.of(s));
  }
}
