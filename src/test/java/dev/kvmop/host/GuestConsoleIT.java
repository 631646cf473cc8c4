package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import dev.kvmop.qemu.GuestDirs;
import dev.kvmop.qemu.LaunchSpec;
import dev.kvmop.qemu.QemuArgs;
import dev.kvmop.testing.MinaSshServer;
import dev.kvmop.testing.SerialEchoBios;
import dev.kvmop.testing.SshKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console and serial log verbs through the embedded SSH server and the real /bin/sh and perl,
 * with the helper files installed by the agent. A unix socket served by the test stands in for
 * qemu's console socket; one test launches a real qemu (TCG) for the launch's side of it. Every
 * relay and follower must end with its client: the tests look for leftovers in /proc.
 */
class GuestConsoleIT {
  static final String QEMU = "/usr/bin/qemu-system-x86_64";
  static final Duration WAIT = Duration.ofSeconds(10);
  static final SshKeys.KeyText KEY = SshKeys.generate("ed25519");
  static final MinaSshServer SERVER = new MinaSshServer().authorize(KEY.publicKeyLine());

  static RemoteShell shell;
  static GuestStreams streams;
  static ShellHostAgent agent;
  static Path workDir;
  Path dir;

  @BeforeAll
  static void start() throws Exception {
    workDir = Files.createTempDirectory(Path.of("/tmp"), "kvmop-con");
    SERVER.start();
    shell = new SshRemoteShellFactory().connect(SERVER.target("ns/con", KEY.privateKey(), 10));
    streams = new GuestStreams(shell);
    agent = new ShellHostAgent(shell);
    agent.ensureWorkDir(workDir.toString(), "it-owner");
  }

  @AfterEach
  void nothingLeftRunning() {
    await().atMost(WAIT).until(() -> helpersRunning().isEmpty());
  }

  @AfterAll
  static void stop() throws IOException {
    if (shell != null) {
      shell.close();
    }
    SERVER.stop();
    deleteTree(workDir);
  }

  // ---------------------------------------------------------------- console

  @Test
  void consoleRelaysBothWaysAndEndsWithItsClient() throws Exception {
    guestDir("relay");
    try (EchoConsole guest = new EchoConsole(consoleSocket());
        RemoteProcess console = streams.console(dir.toString())) {
      console.stdin().write("hello there\r".getBytes(StandardCharsets.UTF_8));
      console.stdin().flush();
      assertThat(readUntil(console.stdout(), "echo: hello there\r\n"))
          .endsWith("echo: hello there\r\n");
      assertThat(helpersRunning()).hasSize(1);

      console.close();
      assertThat(guest.clientGone.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void consoleEndsWhenTheGuestGoesAway() throws Exception {
    guestDir("gone");
    try (EchoConsole guest = new EchoConsole(consoleSocket());
        RemoteProcess console = streams.console(dir.toString())) {
      console.stdin().write("bye\n".getBytes(StandardCharsets.UTF_8));
      console.stdin().flush();
      readUntil(console.stdout(), "echo: bye");
      guest.close();
      assertThat(console.stdout().readAllBytes()).asString().doesNotContain("kvmop-guest");
      assertThat(console.exitStatus(WAIT)).hasValue(0);
    }
  }

  /**
   * qemu reads its console socket only as fast as the guest's UART takes bytes and drops what is
   * still unread once it sees the client gone: so a relay whose client detached right after typing
   * keeps the connection (its sending half closed) until the guest side has read to the end.
   */
  @Test
  void aDetachedRelayStaysConnectedUntilTheGuestSideHasReadWhatWasTyped() throws Exception {
    guestDir("detach");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(consoleSocket()));
      RemoteProcess console = streams.console(dir.toString());
      console.stdin().write("typed before the detach\r".getBytes(StandardCharsets.UTF_8));
      console.stdin().flush();
      console.close();
      try (SocketChannel guest = server.accept()) {
        assertThat(readToEnd(guest)).isEqualTo("typed before the detach\r");
        // Still connected: closing now would have lost what the guest had not read yet.
        await()
            .during(Duration.ofSeconds(1))
            .atMost(Duration.ofSeconds(3))
            .until(() -> helpersRunning().size() == 1);
        guest.write(StandardCharsets.UTF_8.encode("echo: typed before the detach\r\n"));
      }
    }
  }

  @Test
  void consoleWithoutASocketFailsWithALine() throws Exception {
    guestDir("nosock");
    assertConsoleSaysNoSocket();
  }

  /** What a qemu that ended without its stop leaves: a socket file nobody listens on. */
  @Test
  void consoleOnAStaleSocketFailsWithALine() throws Exception {
    guestDir("stale");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(consoleSocket()));
    }
    assertThat(consoleSocket()).exists();
    assertConsoleSaysNoSocket();
  }

  // ---------------------------------------------------------------- serial log

  @Test
  void serialLogPrintsItsLastLinesOrAllOfIt() throws Exception {
    guestDir("tail");
    Files.writeString(serialLog(), lines(1, 30));
    assertThat(readLog(5)).isEqualTo(lines(26, 30));
    assertThat(readLog(-1)).isEqualTo(lines(1, 30));
    assertThat(readLog(0)).isEmpty();
    assertThat(readLog(100)).isEqualTo(lines(1, 30));
  }

  @Test
  void followSeesAppendsAndARotationAndEndsWithItsClient() throws Exception {
    guestDir("follow");
    Files.writeString(serialLog(), lines(1, 3));
    try (RemoteProcess follow = streams.serialLog(dir.toString(), 2, true)) {
      assertThat(readUntil(follow.stdout(), "line 3\n")).isEqualTo(lines(2, 3));
      Files.writeString(serialLog(), "appended\n", StandardOpenOption.APPEND);
      assertThat(readUntil(follow.stdout(), "appended\n")).isEqualTo("appended\n");
      // A relaunch rotates the log: renamed, and a new one started.
      Files.move(serialLog(), dir.resolve("serial.log.1"));
      Files.writeString(serialLog(), "=== kvmop launch\nafter the relaunch\n");
      assertThat(readUntil(follow.stdout(), "after the relaunch\n"))
          .isEqualTo("=== kvmop launch\nafter the relaunch\n");
      assertThat(helpersRunning()).hasSize(1);
    }
  }

  @Test
  void aMissingSerialLogFailsWithALine() throws Exception {
    guestDir("nolog");
    try (RemoteProcess log = streams.serialLog(dir.toString(), 10, false)) {
      assertThat(new String(log.stderr().readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("kvmop-guest: no serial log at " + serialLog() + "\n");
      assertThat(log.exitStatus(WAIT)).hasValue(1);
    }
  }

  // ---------------------------------------------------------------- tails for Events

  @Test
  void tailsAreBoundedInLinesAndBytesAndCleaned() throws Exception {
    guestDir("tails");
    Files.writeString(
        serialLog(),
        lines(1, 40) + "\u001b[1;31mred\u001b[0m panic\r\n" + "bell\u0007 and \u00e9\n");
    LogTails tails = agent.logTails(dir.toString(), 3, 2048);
    assertThat(tails.serial()).isEqualTo("line 40\nred panic\nbell and \u00e9");
    assertThat(tails.qemu()).as("no qemu.log").isEmpty();

    Files.writeString(dir.resolve("qemu.log"), "x".repeat(5000) + "\n" + "y".repeat(300) + "\n");
    tails = agent.logTails(dir.toString(), 10, 1000);
    assertThat(tails.qemu()).isEqualTo("y".repeat(300));
    Files.writeString(dir.resolve("qemu.log"), "z".repeat(5000));
    assertThat(agent.logTails(dir.toString(), 10, 1000).qemu()).isEqualTo("z".repeat(1000));
  }

  // ---------------------------------------------------------------- the launch's side

  /**
   * A real qemu serves console.sock and writes serial.log; a relaunch starts a new one after a line
   * that marks it, and rotates a log over 1 MiB like qemu.log.
   */
  @Test
  void qemuServesTheConsoleSocketAndARelaunchRotatesABigSerialLog() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(QEMU)), "qemu-system-x86_64 is not installed");
    String uuid = UUID.randomUUID().toString();
    GuestDirs dirs = GuestDirs.of(workDir.toString(), "it", "q", uuid);
    KvmGuestSpec spec = new KvmGuestSpec();
    spec.hostRef = new ObjectRef("local");
    spec.machine = "none";
    spec.memory = "16Mi";
    spec.network.type = NetworkType.None;
    List<String> argv =
        QemuArgs.build(
            new LaunchSpec("it", "q", uuid, dirs.dir(), QEMU, "", spec, "tcg", null, null));
    dir = Path.of(dirs.dir());
    LaunchedProcess first = agent.launch(new GuestLaunch(dirs.dir(), argv, uuid));
    try {
      assertThat(Path.of(dirs.consoleSocket())).exists();
      assertThat(Files.readString(serialLog())).startsWith("=== kvmop launch ");
      try (RemoteProcess console = streams.console(dirs.dir())) {
        console.stdin().write("x".getBytes(StandardCharsets.UTF_8));
        console.stdin().flush();
        console.close();
      }
      agent.stop(dirs.dir(), uuid, Duration.ZERO);
      Files.writeString(serialLog(), "y".repeat(1_100_000) + "\n", StandardOpenOption.APPEND);
      LaunchedProcess second = agent.launch(new GuestLaunch(dirs.dir(), argv, uuid));
      assertThat(second.adopted()).isFalse();
      assertThat(second.pid()).isNotEqualTo(first.pid());
      assertThat(Files.size(dir.resolve("serial.log.1"))).isGreaterThan(1_100_000);
      assertThat(Files.readString(serialLog())).startsWith("=== kvmop launch ").hasLineCount(1);
      agent.stop(dirs.dir(), uuid, Duration.ZERO);
    } finally {
      ProcessHandle.allProcesses()
          .filter(h -> h.info().arguments().map(a -> List.of(a).contains(uuid)).orElse(false))
          .forEach(ProcessHandle::destroyForcibly);
    }
  }

  /**
   * The longest namespace (63) and name (253) Kubernetes allows make a console.sock path far over
   * the 107 bytes of a socket address: qemu binds it from inside the guest directory and the relay
   * connects from there, so a console still reaches the guest (a firmware that echoes its serial
   * port) both ways.
   */
  @Test
  void aConsoleReachesAGuestWithTheLongestNamespaceAndName() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(QEMU)), "qemu-system-x86_64 is not installed");
    String uuid = UUID.randomUUID().toString();
    String namespace = "n".repeat(63);
    String name = "long-" + "a".repeat(248);
    GuestDirs dirs = GuestDirs.of(workDir.toString(), namespace, name, uuid);
    assertThat(dirs.consoleSocket()).hasSizeGreaterThan(107);
    Path bios = workDir.resolve("echo.bin");
    Files.write(bios, SerialEchoBios.image());
    KvmGuestSpec spec = new KvmGuestSpec();
    spec.hostRef = new ObjectRef("local");
    spec.machine = "pc";
    spec.memory = "16Mi";
    spec.network.type = NetworkType.None;
    spec.extraArgs = List.of("-bios", bios.toString(), "-vga", "none");
    List<String> argv =
        QemuArgs.build(
            new LaunchSpec(namespace, name, uuid, dirs.dir(), QEMU, "", spec, "tcg", null, null));
    dir = Path.of(dirs.dir());
    try {
      agent.launch(new GuestLaunch(dirs.dir(), argv, uuid));
      try (RemoteProcess console = streams.console(dirs.dir())) {
        console.stdin().write("ping-long\r".getBytes(StandardCharsets.UTF_8));
        console.stdin().flush();
        assertThat(readUntil(console.stdout(), "ping-long\r")).endsWith("ping-long\r");
      }
      await().atMost(WAIT).until(() -> Files.readString(serialLog()).contains("ping-long"));
      agent.stop(dirs.dir(), uuid, Duration.ZERO);
      assertThat(qemusWithUuid(uuid)).isEmpty();
      try (RemoteProcess console = streams.console(dirs.dir())) {
        assertThat(new String(console.stderr().readAllBytes(), StandardCharsets.UTF_8))
            .startsWith("kvmop-guest: no console socket " + dirs.consoleSocket());
      }
    } finally {
      ProcessHandle.allProcesses()
          .filter(h -> h.info().arguments().map(a -> List.of(a).contains(uuid)).orElse(false))
          .forEach(ProcessHandle::destroyForcibly);
    }
  }

  // ---------------------------------------------------------------- helpers

  static List<Long> qemusWithUuid(String uuid) {
    return ProcessHandle.allProcesses()
        .filter(h -> h.info().arguments().map(a -> List.of(a).contains(uuid)).orElse(false))
        .filter(h -> h.info().command().map(QEMU::equals).orElse(false))
        .map(ProcessHandle::pid)
        .toList();
  }

  void guestDir(String name) throws IOException {
    dir = Files.createDirectories(workDir.resolve("guests/it_" + name + "_u"));
  }

  Path serialLog() {
    return dir.resolve("serial.log");
  }

  Path consoleSocket() {
    return dir.resolve("console.sock");
  }

  String readLog(int lines) throws Exception {
    try (RemoteProcess log = streams.serialLog(dir.toString(), lines, false)) {
      String out = new String(log.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(log.exitStatus(WAIT)).hasValue(0);
      return out;
    }
  }

  static String lines(int from, int to) {
    return IntStream.rangeClosed(from, to)
        .mapToObj(i -> "line " + i + "\n")
        .collect(Collectors.joining());
  }

  /** Reads until the text read ends with {@code end}; fails after {@link #WAIT}. */
  static String readUntil(InputStream in, String end) throws Exception {
    CompletableFuture<String> read =
        CompletableFuture.supplyAsync(
            () -> {
              ByteArrayOutputStream seen = new ByteArrayOutputStream();
              try {
                int b;
                while ((b = in.read()) >= 0) {
                  seen.write(b);
                  if (seen.toString(StandardCharsets.UTF_8).endsWith(end)) {
                    break;
                  }
                }
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              return seen.toString(StandardCharsets.UTF_8);
            });
    return read.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** Relays and followers of this test's work dir still running on the "host". */
  /** What the client sent until it closed its sending half. */
  static String readToEnd(SocketChannel channel) throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(1024);
    while (channel.read(buf) >= 0) {
      seen.write(buf.array(), 0, buf.position());
      buf.clear();
    }
    return seen.toString(StandardCharsets.UTF_8);
  }

  static List<Long> helpersRunning() {
    return ProcessHandle.allProcesses()
        .filter(
            h -> {
              String cmd = h.info().commandLine().orElse("");
              return cmd.contains("kvmop-console.pl") && cmd.contains(workDir.toString());
            })
        .map(ProcessHandle::pid)
        .toList();
  }

  static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Stands in for qemu's console socket: one client, each line answered with "echo: line". */
  static final class EchoConsole implements AutoCloseable {
    final ServerSocketChannel server;
    final CompletableFuture<Boolean> clientGone = new CompletableFuture<>();
    private volatile SocketChannel client;

    EchoConsole(Path socket) throws IOException {
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket));
      Thread t = new Thread(this::serve, "echo-console");
      t.setDaemon(true);
      t.start();
    }

    private void serve() {
      try (SocketChannel c = server.accept()) {
        client = c;
        StringBuilder line = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(1024);
        while (c.read(buf) >= 0) {
          buf.flip();
          while (buf.hasRemaining()) {
            char ch = (char) buf.get();
            if (ch == '\r' || ch == '\n') {
              c.write(StandardCharsets.UTF_8.encode("echo: " + line + "\r\n"));
              line.setLength(0);
            } else {
              line.append(ch);
            }
          }
          buf.clear();
        }
        clientGone.complete(true);
      } catch (IOException e) {
        clientGone.complete(client != null);
      }
    }

    @Override
    public void close() throws IOException {
      SocketChannel c = client;
      if (c != null) {
        c.close();
      }
      server.close();
    }
  }

  /** A console with no qemu behind it ends at once with one line naming the socket. */
  private void assertConsoleSaysNoSocket() throws Exception {
    try (RemoteProcess console = streams.console(dir.toString())) {
      assertThat(console.stdout().readAllBytes()).isEmpty();
      assertThat(new String(console.stderr().readAllBytes(), StandardCharsets.UTF_8))
          .startsWith("kvmop-guest: no console socket " + consoleSocket())
          .hasLineCount(1);
      assertThat(console.exitStatus(WAIT)).hasValue(1);
    }
  }
}
