package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.host.GuestProcess.State;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import dev.kvmop.qemu.GuestDirs;
import dev.kvmop.qemu.LaunchSpec;
import dev.kvmop.qemu.QemuArgs;
import dev.kvmop.testing.MinaSshServer;
import dev.kvmop.testing.QemuProcesses;
import dev.kvmop.testing.SshKeys;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults of the host side against the real helper and qemu, through the embedded SSH server: a
 * changed qemu binary, a full disk, workDirs that are not (only) ours. Every qemu a test starts is
 * killed by pid afterwards, every mount unmounted.
 */
class HostFaultsIT {
  static final String QEMU = "/usr/bin/qemu-system-x86_64";
  static final SshKeys.KeyText KEY = SshKeys.generate("ed25519");
  static final MinaSshServer SERVER = new MinaSshServer().authorize(KEY.publicKeyLine());
  static final String OWNER = "0b6c1f6e-0000-4000-8000-00000000000a";
  static final String OTHER = "0b6c1f6e-0000-4000-8000-00000000000b";

  static RemoteShell shell;
  static ShellHostAgent agent;
  static Path root;
  static final List<Long> started = new CopyOnWriteArrayList<>();
  static final List<Path> mounts = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(QEMU)), "qemu-system-x86_64 is not installed");
    root = Files.createTempDirectory(Path.of("/tmp"), "kvmop-hf");
    // A qemu run from another path finds its accelerator modules only through this.
    SERVER.environment("QEMU_MODULE_DIR", "/usr/lib/x86_64-linux-gnu/qemu").start();
    shell = new SshRemoteShellFactory().connect(SERVER.target("ns/local", KEY.privateKey(), 10));
    agent = new ShellHostAgent(shell);
  }

  @AfterEach
  void killWhatWasStarted() throws Exception {
    for (Long pid : started) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (Long pid : started) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !alive(pid));
    }
    started.clear();
    for (Path m : mounts) {
      exec("umount", "-l", m.toString());
    }
    mounts.clear();
  }

  @AfterAll
  static void stop() throws IOException {
    if (shell != null) {
      shell.close();
    }
    SERVER.stop();
    if (root != null) {
      try (Stream<Path> files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** A guest launched with one binary stays itself after spec.qemu.binary names another. */
  @Test
  void aChangedQemuBinaryIsNeitherDoubledNorLost() throws Exception {
    Path workDir = workDir("bin");
    Path oldQemu = workDir.resolve("qemu-old");
    Files.createLink(oldQemu, Path.of(QEMU)); // another path, the same program
    String uuid = UUID.randomUUID().toString();
    String dir = GuestDirs.of(workDir.toString(), "it", "bin", uuid).dir();
    LaunchedProcess first = launch(dir, uuid, argv(workDir, "bin", uuid, oldQemu.toString()));

    // The host's binary is now QEMU: the probe, a relaunch, stop and remove all use what the
    // launch recorded.
    HostProbe seen = agent.probeGuests(workDir.toString(), QEMU);
    assertThat(seen.guests().get(dir).state()).isEqualTo(State.Running);
    assertThat(seen.guests().get(dir).pid()).isEqualTo(first.pid());
    LaunchedProcess again = launch(dir, uuid, argv(workDir, "bin", uuid, QEMU));
    assertThat(again.adopted()).isTrue();
    assertThat(again.pid()).isEqualTo(first.pid());
    assertThat(QemuProcesses.qemuWithUuid(uuid)).containsExactly((long) first.pid());

    agent.stop(dir, uuid, Duration.ZERO);
    assertThat(alive(first.pid())).isFalse();
    agent.removeGuestDir(dir);
    assertThat(Path.of(dir)).doesNotExist();
  }

  /** A qemu of the old binary whose directory is gone is still reported as an orphan. */
  @Test
  void anOrphanOfTheRecordedBinaryIsReported() throws Exception {
    Path workDir = workDir("orph");
    Path oldQemu = workDir.resolve("qemu-old");
    Files.createLink(oldQemu, Path.of(QEMU)); // another path, the same program
    String uuid = UUID.randomUUID().toString();
    String dir = GuestDirs.of(workDir.toString(), "it", "orph", uuid).dir();
    LaunchedProcess p = launch(dir, uuid, argv(workDir, "orph", uuid, oldQemu.toString()));
    String other = UUID.randomUUID().toString();
    String otherDir = GuestDirs.of(workDir.toString(), "it", "orph2", other).dir();
    launch(otherDir, other, argv(workDir, "orph2", other, oldQemu.toString()));
    Files.writeString(Path.of(dir, "uuid"), "someone-else\n");
    assertThat(agent.probeGuests(workDir.toString(), QEMU).orphans()).contains(p.pid());
  }

  /** A full disk must not keep the signals from going out: stop still ends the qemu. */
  @Test
  void stopOnAFullDiskStillEndsTheQemu() throws Exception {
    Path mount = Files.createDirectories(root.resolve("full"));
    exec("mount", "-t", "tmpfs", "-o", "size=8m", "kvmop-it-full", mount.toString());
    mounts.add(mount);
    agent.ensureWorkDir(mount.toString(), OWNER);
    String uuid = UUID.randomUUID().toString();
    String dir = GuestDirs.of(mount.toString(), "it", "full", uuid).dir();
    LaunchedProcess p = launch(dir, uuid, argv(mount, "full", uuid, QEMU));
    fill(mount.resolve("filler"));

    agent.stop(dir, uuid, Duration.ofSeconds(1)); // machine none: no ACPI, so TERM ends it
    assertThat(alive(p.pid())).isFalse();
  }

  /**
   * More guests that ignore ACPI than the connection has sessions (10), stopping with a long grace,
   * must not hold up the probe: stops queue for their share of the channels.
   */
  @Test
  void slowStopsDoNotStarveTheProbe() throws Exception {
    int stopping = 11;
    Path workDir = workDir("slow");
    List<String> dirs = new java.util.ArrayList<>();
    List<String> uuids = new java.util.ArrayList<>();
    for (int i = 0; i <= stopping; i++) {
      String uuid = UUID.randomUUID().toString();
      String dir = GuestDirs.of(workDir.toString(), "it", "s" + i, uuid).dir();
      launch(dir, uuid, argv(workDir, "s" + i, uuid, QEMU)); // machine none: no ACPI
      dirs.add(dir);
      uuids.add(uuid);
    }
    java.util.concurrent.ExecutorService stops =
        java.util.concurrent.Executors.newFixedThreadPool(stopping);
    try {
      for (int i = 0; i < stopping; i++) {
        String dir = dirs.get(i);
        String uuid = uuids.get(i);
        stops.submit(
            () -> {
              agent.stop(dir, uuid, Duration.ofSeconds(60));
              return null;
            });
      }
      // The stops that got a channel are in their grace period; the others queue.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  dirs.subList(0, stopping).stream()
                          .filter(d -> Files.exists(Path.of(d, "stop-intent")))
                          .count()
                      >= 6);
      long start = System.nanoTime();
      HostProbe seen = agent.probeGuests(workDir.toString(), QEMU);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(seen.guests().get(dirs.get(stopping)).state()).isEqualTo(State.Running);
      assertThat(took).isLessThan(Duration.ofSeconds(5));
    } finally {
      for (Long pid : started) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      stops.shutdown();
      assertThat(stops.awaitTermination(90, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
  }

  /** A workDir that already held a bin/ of its own keeps it when the host is deleted. */
  @Test
  void hostDeletionRemovesOnlyWhatTheMarkerSaysIsOurs() throws Exception {
    Path dir = root.resolve("theirs");
    Path theirs = Files.createDirectories(dir.resolve("bin")).resolve("tool");
    Files.writeString(theirs, "not the operator's\n");
    agent.ensureWorkDir(dir.toString(), OWNER);
    assertThat(dir.resolve("guests")).isDirectory();

    agent.removeWorkDir(dir.toString(), OWNER);
    assertThat(theirs).exists();
    assertThat(dir.resolve("guests")).doesNotExist();
    assertThat(dir.resolve(".kvmop-owner")).doesNotExist();
  }

  /** Two KvmHosts naming the same address and workDir: the second is refused, wipes nothing. */
  @Test
  void aSecondKvmHostNeitherClaimsNorWipesAnothersWorkDir() throws Exception {
    Path dir = root.resolve("shared");
    agent.ensureWorkDir(dir.toString(), OWNER);
    Path guestFile = Files.createDirectories(dir.resolve("guests/g")).resolve("uuid");
    Files.writeString(guestFile, "x\n");

    WorkDirClaim refused = agent.ensureWorkDir(dir.toString(), OTHER);
    assertThat(refused.refusal()).contains(WorkDirClaim.Refusal.WorkDirClaimed);
    assertThat(refused.message())
        .contains(dir + " belongs to another KvmHost (uid " + OWNER)
        .contains(dir.resolve(".kvmop-owner").toString());
    agent.setUpNetwork(
        dir.toString(), new dev.kvmop.net.NetworkSetup("lo", false, "", false, List.of()));
    Path netConfig = dir.resolve("net/config");
    assertThat(netConfig).exists();
    agent.tearDownNetwork(dir.toString(), OTHER);
    agent.removeWorkDir(dir.toString(), OTHER);
    assertThat(guestFile).exists();
    assertThat(netConfig).as("the owner's network state").exists();
    agent.tearDownNetwork(dir.toString(), OWNER);
    assertThat(netConfig).doesNotExist();

    agent.removeWorkDir(dir.toString(), OWNER);
    assertThat(dir).doesNotExist();
  }

  /** The script refuses a system directory even if validation were bypassed. */
  @Test
  void aSystemDirectoryIsNeverClaimed() throws Exception {
    WorkDirClaim refused = agent.ensureWorkDir("/usr", OWNER);
    assertThat(refused.refusal()).contains(WorkDirClaim.Refusal.SystemDirectory);
    assertThat(refused.message()).contains("refusing system directory /usr");
    assertThat(Path.of("/usr/.kvmop-owner")).doesNotExist();
    assertThat(Path.of("/usr/guests")).doesNotExist();
  }

  // ---------------------------------------------------------------- helpers

  /** Writes zeros to file until its filesystem is full. */
  static void fill(Path file) throws IOException {
    byte[] block = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      assertThat(full.getMessage()).contains("No space left");
    }
  }

  /** A fresh workDir below this test's root, made by the agent as the operator makes it. */
  static Path workDir(String name) throws Exception {
    Path dir = root.resolve(name);
    agent.ensureWorkDir(dir.toString(), OWNER);
    return dir;
  }

  static List<String> argv(Path workDir, String name, String uuid, String binary) {
    KvmGuestSpec spec = new KvmGuestSpec();
    spec.hostRef = new ObjectRef("local");
    spec.machine = "none";
    spec.memory = "16Mi";
    spec.network.type = NetworkType.None;
    GuestDirs dirs = GuestDirs.of(workDir.toString(), "it", name, uuid);
    return QemuArgs.build(
        new LaunchSpec("it", name, uuid, dirs.dir(), binary, "", spec, "tcg", null, null));
  }

  static LaunchedProcess launch(String dir, String uuid, List<String> argv) throws HostException {
    LaunchedProcess p = agent.launch(new GuestLaunch(dir, argv, uuid));
    started.add((long) p.pid());
    return p;
  }

  /** Whether pid runs (a zombie does not). */
  static boolean alive(long pid) {
    try {
      return !Files.readString(Path.of("/proc/" + pid + "/stat")).contains(") Z ");
    } catch (IOException e) {
      return false;
    }
  }

  static void exec(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.flush();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", argv) + ": " + out).isZero();
  }
}
