package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import dev.kvmop.testing.ImageServer;
import dev.kvmop.testing.MinaSshServer;
import dev.kvmop.testing.SshKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image and disk verbs against the real helper {@code kvmop-disks}, curl, sha256sum and
 * qemu-img on this machine, through the embedded SSH server and the real /bin/sh. The images come
 * from an HTTP server in this JVM that counts its requests; each test has a work directory of its
 * own, so its cache starts empty.
 */
class DiskVerbsIT {
  static final SshKeys.KeyText KEY = SshKeys.generate("ed25519");
  static final MinaSshServer SERVER = new MinaSshServer().authorize(KEY.publicKeyLine());

  /** Virtual size of the served images. */
  static final long VIRTUAL = 4L << 20;

  static final Duration FETCH_TIMEOUT = Duration.ofMinutes(2);
  static final ObjectMapper JSON = new ObjectMapper();

  static RemoteShell shell;
  static ShellHostAgent agent;
  static Path root;
  static ImageServer http;
  static byte[] base;
  static byte[] other;
  static String baseSha;
  static String otherSha;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "qemu-img is not installed");
    root = Files.createTempDirectory(Path.of("/tmp"), "kvmop-dv");
    base = ImageServer.qcow2(root, "kvmop-image base", VIRTUAL);
    other = ImageServer.qcow2(root, "kvmop-image other", VIRTUAL);
    baseSha = ImageServer.sha256(base);
    otherSha = ImageServer.sha256(other);
    // gated.qcow2 is base behind a gate the tests shut.
    http = ImageServer.start().serve("base.qcow2", base).serve("gated.qcow2", base);
    http.serve("other.qcow2", other);
    SERVER.start();
    shell = new SshRemoteShellFactory().connect(SERVER.target("ns/disks", KEY.privateKey(), 16));
    agent = new ShellHostAgent(shell);
  }

  @AfterAll
  static void stop() throws IOException {
    if (shell != null) {
      shell.close();
    }
    SERVER.stop();
    if (http != null) {
      http.close();
    }
    if (root != null) {
      deleteTree(root);
    }
  }

  // ---------------------------------------------------------------- tests

  @Test
  void aFetchWritesATemporaryNameVerifiesAndRenames() throws Exception {
    String workDir = workDir("fetch");
    http.hold("gated.qcow2");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<ImageFetch.Result> running =
          pool.submit(() -> agent.fetchImage(fetch(workDir, "gated.qcow2", baseSha)));
      Path images = Path.of(workDir, "images");
      Path part = images.resolve(baseSha + ".part");
      await().atMost(Duration.ofSeconds(30)).until(() -> size(part) > 0);
      assertThat(images.resolve(baseSha))
          .as("not under its name before it is verified")
          .doesNotExist();
      ImageFetch.Progress p = agent.imageProgress(workDir, baseSha);
      assertThat(p.total()).isEqualTo(base.length);
      assertThat(p.done()).isPositive().isLessThan(base.length);
      http.open("gated.qcow2");

      ImageFetch.Result r = running.get(60, TimeUnit.SECONDS);
      assertThat(r.outcome()).isEqualTo(ImageFetch.Outcome.Fetched);
      assertThat(r.sha256()).isEqualTo(baseSha);
      assertThat(r.bytes()).isEqualTo(base.length);
      Path cached = images.resolve(baseSha);
      assertThat(Files.readAllBytes(cached)).isEqualTo(base);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cached)))
          .isEqualTo("r--r--r--");
      assertThat(leftovers(images)).isEmpty();

      // Cached: the next fetch does not download.
      int before = http.requests("gated.qcow2");
      assertThat(agent.fetchImage(fetch(workDir, "gated.qcow2", baseSha)).outcome())
          .isEqualTo(ImageFetch.Outcome.Fetched);
      assertThat(http.requests("gated.qcow2")).isEqualTo(before);
    } finally {
      http.open("gated.qcow2");
      pool.shutdownNow();
    }
  }

  @Test
  void tenConcurrentFetchesOfOneImageDownloadItOnce() throws Exception {
    String workDir = workDir("ten");
    http.hold("gated.qcow2");
    int before = http.requests("gated.qcow2");
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try {
      List<Future<ImageFetch.Result>> all = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        all.add(pool.submit(() -> agent.fetchImage(fetch(workDir, "gated.qcow2", baseSha))));
      }
      // All ten helpers run on the host while the first download is held half way.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> fetchHelpers(workDir) == 10 && http.requests("gated.qcow2") - before == 1);
      http.open("gated.qcow2");
      for (Future<ImageFetch.Result> f : all) {
        ImageFetch.Result r = f.get(90, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(ImageFetch.Outcome.Fetched);
        assertThat(r.sha256()).isEqualTo(baseSha);
      }
    } finally {
      http.open("gated.qcow2");
      pool.shutdownNow();
    }
    int downloads = http.requests("gated.qcow2") - before;
    System.out.println("image-cache: 10 concurrent fetches, " + downloads + " download");
    assertThat(downloads).isEqualTo(1);
    assertThat(leftovers(Path.of(workDir, "images"))).isEmpty();
  }

  @Test
  void aChecksumMismatchKeepsNothingAndSaysWhatTheHostGot() throws Exception {
    String workDir = workDir("mismatch");
    String claimed = "0".repeat(64);
    ImageFetch.Result r = agent.fetchImage(fetch(workDir, "base.qcow2", claimed));
    assertThat(r.outcome()).isEqualTo(ImageFetch.Outcome.ChecksumMismatch);
    assertThat(r.sha256()).isEqualTo(baseSha);
    Path images = Path.of(workDir, "images");
    assertThat(images.resolve(claimed)).doesNotExist();
    assertThat(images.resolve(baseSha)).as("not kept under its real sum either").doesNotExist();
    assertThat(leftovers(images)).isEmpty();
  }

  @Test
  void a404IsAFailedFetchWithTheServersAnswer() throws Exception {
    String workDir = workDir("missing");
    ImageFetch.Result r = agent.fetchImage(fetch(workDir, "missing.qcow2", otherSha));
    assertThat(r.outcome()).isEqualTo(ImageFetch.Outcome.Failed);
    assertThat(r.error()).contains("404");
    assertThat(leftovers(Path.of(workDir, "images"))).isEmpty();
    assertThat(Path.of(workDir, "images", otherSha)).doesNotExist();
  }

  @Test
  void aHostWithoutCurlOrWgetSaysSo() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "hiding curl needs root");
    Path hidden = Files.writeString(root.resolve("not-a-program"), "");
    // A host without the programs: in a mount namespace of their own the commands see an empty,
    // non-executable file where curl and wget are.
    List<String> wrapper =
        new ArrayList<>(
            List.of(
                "/usr/bin/unshare",
                "--mount",
                "--propagation",
                "private",
                "/bin/sh",
                "-c",
                "for p in /usr/bin/curl /usr/bin/wget; do [ -e \"$p\" ] && mount --bind \"$0\" \"$p\";"
                    + " done; exec \"$@\"",
                hidden.toString()));
    try (MinaSshServer bare =
            new MinaSshServer().authorize(KEY.publicKeyLine()).wrappedIn(wrapper).start();
        RemoteShell bareShell =
            new SshRemoteShellFactory().connect(bare.target("ns/bare", KEY.privateKey(), 4))) {
      String workDir = workDir("bare");
      ImageFetch.Result r =
          new ShellHostAgent(bareShell).fetchImage(fetch(workDir, "base.qcow2", baseSha));
      assertThat(r.outcome()).isEqualTo(ImageFetch.Outcome.NoDownloader);
      assertThat(r.error()).contains("curl").contains("wget");
      assertThat(leftovers(Path.of(workDir, "images"))).isEmpty();
    }
    assertThat(Files.isExecutable(Path.of("/usr/bin/curl"))).isTrue();
  }

  @Test
  void preparedDisksAreBackedByTheCacheGrownToSizeAndKeptUntilWiped() throws Exception {
    String workDir = workDir("prepare");
    assertThat(agent.fetchImage(fetch(workDir, "base.qcow2", baseSha)).outcome())
        .isEqualTo(ImageFetch.Outcome.Fetched);
    String guest = workDir + "/guests/ns_vm_1";
    long grown = 64L << 20;
    long blank = 8L << 20;
    Map<String, String> seed = new LinkedHashMap<>();
    seed.put("meta-data", "instance-id: 1\nlocal-hostname: vm\n");
    seed.put("user-data", "#cloud-config\n");
    List<DiskSetup.Disk> disks =
        List.of(DiskSetup.Disk.image(0, baseSha, "qcow2", grown), DiskSetup.Disk.empty(1, blank));
    DiskSetup.Report made = agent.prepareDisks(new DiskSetup(guest, workDir, disks, seed));
    assertThat(made.states())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(0, DiskSetup.State.Created, 1, DiskSetup.State.Created));

    JsonNode image = info(guest + "/disk-0.qcow2");
    assertThat(image.path("virtual-size").asLong()).isEqualTo(grown);
    assertThat(image.path("backing-filename").asText()).isEqualTo(workDir + "/images/" + baseSha);
    assertThat(image.path("backing-filename-format").asText()).isEqualTo("qcow2");
    JsonNode empty = info(guest + "/disk-1.qcow2");
    assertThat(empty.path("virtual-size").asLong()).isEqualTo(blank);
    assertThat(empty.has("backing-filename")).isFalse();
    assertThat(Files.readString(Path.of(guest, "seed", "meta-data")))
        .isEqualTo(seed.get("meta-data"));
    assertThat(mode(Path.of(guest, "seed", "user-data"))).isEqualTo("rw-------");
    assertThat(mode(Path.of(guest, "seed"))).isEqualTo("rwx------");

    // What the guest wrote stays: the disks are kept, not made again.
    Path disk0 = Path.of(guest, "disk-0.qcow2");
    long written = Files.getLastModifiedTime(disk0).toMillis();
    qemuIo(disk0, "write -P 0x5a 1M 4k");
    DiskSetup.Report again = agent.prepareDisks(new DiskSetup(guest, workDir, disks, null));
    assertThat(again.states())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(0, DiskSetup.State.Kept, 1, DiskSetup.State.Kept));
    assertThat(holdsPattern(disk0)).as("what was written before").isTrue();
    assertThat(Path.of(guest, "seed")).as("no seed asked for, none left").doesNotExist();
    assertThat(Files.getLastModifiedTime(disk0).toMillis()).isGreaterThanOrEqualTo(written);

    agent.wipeDisks(guest);
    try (Stream<Path> files = Files.list(Path.of(guest))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("disk-"));
    }
    DiskSetup.Report afresh = agent.prepareDisks(new DiskSetup(guest, workDir, disks, null));
    assertThat(afresh.states().values()).containsOnly(DiskSetup.State.Created);
    assertThat(holdsPattern(disk0)).as("a fresh disk").isFalse();
  }

  @Test
  void aDiskSmallerThanItsImageOrWithoutItsBaseIsNotMade() throws Exception {
    String workDir = workDir("refuse");
    agent.fetchImage(fetch(workDir, "base.qcow2", baseSha));
    String guest = workDir + "/guests/ns_small_2";
    String absent = "f".repeat(64);
    DiskSetup.Report r =
        agent.prepareDisks(
            new DiskSetup(
                guest,
                workDir,
                List.of(
                    DiskSetup.Disk.image(0, baseSha, "qcow2", 1L << 20),
                    DiskSetup.Disk.image(1, absent, "qcow2", null)),
                null));
    assertThat(r.states())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(0, DiskSetup.State.TooSmall, 1, DiskSetup.State.BaseMissing));
    assertThat(r.virtualSizes()).containsEntry(0, VIRTUAL);
    try (Stream<Path> files = Files.list(Path.of(guest))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("disk-"));
    }
  }

  @Test
  void evictionRemovesOnlyImagesNoGuestDiskUses() throws Exception {
    String workDir = workDir("evict");
    agent.fetchImage(fetch(workDir, "base.qcow2", baseSha));
    agent.fetchImage(fetch(workDir, "other.qcow2", otherSha));
    agent.prepareDisks(
        new DiskSetup(
            workDir + "/guests/ns_user_3",
            workDir,
            List.of(DiskSetup.Disk.image(0, baseSha, "qcow2", null)),
            null));

    CachedImages cache = agent.cachedImages(workDir);
    assertThat(cache.images())
        .extracting(CachedImages.Image::sha256, CachedImages.Image::bytes)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(baseSha, (long) base.length),
            org.assertj.core.groups.Tuple.tuple(otherSha, (long) other.length));
    assertThat(cache.inUse()).containsExactly(baseSha);

    assertThat(agent.evictImages(workDir, List.of(baseSha, otherSha))).containsExactly(otherSha);
    assertThat(Path.of(workDir, "images", baseSha)).exists();
    assertThat(Path.of(workDir, "images", otherSha)).doesNotExist();
    assertThat(info(workDir + "/guests/ns_user_3/disk-0.qcow2").path("virtual-size").asLong())
        .isEqualTo(VIRTUAL);
  }

  // ---------------------------------------------------------------- helpers

  static ImageFetch fetch(String workDir, String path, String sha) {
    return new ImageFetch(workDir, sha, sha, http.url(path), null, FETCH_TIMEOUT);
  }

  static String workDir(String name) throws Exception {
    String dir = root.resolve(name).toString();
    agent.ensureWorkDir(dir, "it-owner");
    return dir;
  }

  /** kvmop-disks fetch processes for this work directory running on the host now. */
  static long fetchHelpers(String workDir) {
    return ProcessHandle.allProcesses()
        .filter(
            p -> {
              List<String> argv = dev.kvmop.testing.HostNetwork.cmdline(p.pid());
              return argv.stream().anyMatch(a -> a.endsWith("/kvmop-disks"))
                  && argv.contains("fetch")
                  && argv.contains(workDir + "/images");
            })
        .count();
  }

  /** Temporary, header and error files of fetches (the lock files stay, empty). */
  static List<String> leftovers(Path images) throws IOException {
    if (!Files.isDirectory(images)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(images)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".part") || n.endsWith(".headers") || n.endsWith(".err"))
          .toList();
    }
  }

  static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return -1;
    }
  }

  static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  static JsonNode info(String path) throws Exception {
    return JSON.readTree(run("qemu-img", "info", "-U", "--output=json", path));
  }

  static String qemuIo(Path disk, String command) throws Exception {
    return run("qemu-io", "-f", "qcow2", "-c", command, disk.toString());
  }

  /** Whether the 4 KiB at 1 MiB hold the bytes 0x5a (qemu-io fails a pattern it does not find). */
  static boolean holdsPattern(Path disk) throws Exception {
    Process p =
        new ProcessBuilder("qemu-io", "-f", "qcow2", "-c", "read -P 0x5a 1M 4k", disk.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("qemu-io hangs");
    }
    return p.exitValue() == 0 && !out.contains("verification failed");
  }

  static String run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", argv) + " failed:\n" + out);
    }
    return out;
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
