package dev.kvmop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvmop.api.Accel;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.testing.BootingGuests;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.Event;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kvm-operator console} and {@code logs} as a user runs them (the built jar, KUBECONFIG)
 * against the built operator, real OpenSSH on loopback and real qemu (TCG) booting the test guest
 * of {@code scripts/guest-fixture.sh}, whose init answers every console line with "echo: line". The
 * last tests take the host away (a replaced host key, then no sshd), so they run last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleE2E {
  static final Duration BOOT = Duration.ofMinutes(4);
  static final Duration CLI_WAIT = Duration.ofSeconds(90);
  static final String READY_LINE = "kvmop-fixture: ready";

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;
  static Path fixture;
  static String vmDir;

  @BeforeAll
  static void start() {
    assumeTrue(OpenSshServer.available(), "no /usr/sbin/sshd");
    fixture = BootingGuests.fixture();
    env = new E2EEnvironment(tmp);
    operator = env.startOperatorWithHost("node", 8);
    env.client.resource(booting("vm").build()).create();
    vmDir = awaitBooted("vm");
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  @Order(1)
  void consoleRoundTripsALineThroughTheGuestsSerialAndCtrlRightBracketDetaches() throws Exception {
    String token = "hello-" + UUID.randomUUID().toString().substring(0, 8);
    Process console = cli("console", "-n", "default", "vm");
    OutputStream keys = console.getOutputStream();
    CompletableFuture<String> stderr = readAll(console.getErrorStream());
    keys.write((token + "\r").getBytes(StandardCharsets.UTF_8));
    keys.flush();
    String seen = readUntil(console.getInputStream(), "echo: " + token);
    assertThat(seen).contains("echo: " + token);

    keys.write(0x1d);
    keys.flush();
    assertThat(console.waitFor(CLI_WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(console.exitValue()).as(stderr.get()).isZero();
    assertThat(stderr.get()).contains("Detached from kvmguest default/vm.");
    awaitNoHelper("relay", vmDir);
  }

  /** Under a real terminal (script(1) gives the CLI a pty): raw while attached, restored after. */
  @Test
  @Order(2)
  void theTerminalIsRawWhileAttachedAndRestoredAfter() throws Exception {
    String token = "tty-" + UUID.randomUUID().toString().substring(0, 8);
    String cli = String.join(" ", cliCommand("console", "vm"));
    Process script =
        new ProcessBuilder(
                "script",
                "-qec",
                "stty -g; KUBECONFIG=" + env.kubeconfig + " " + cli + "; stty -g",
                "/dev/null")
            .redirectErrorStream(true)
            .start();
    OutputStream keys = script.getOutputStream();
    InputStream screen = script.getInputStream();
    String before = readUntil(screen, "Ctrl-] detaches.");
    keys.write((token + "\r").getBytes(StandardCharsets.UTF_8));
    keys.flush();
    String seen = readUntil(screen, "echo: " + token);
    keys.write(0x1d);
    keys.flush();
    seen += readUntil(screen, "Detached from kvmguest default/vm.");
    assertThat(script.waitFor(CLI_WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    String all = before + seen + new String(screen.readAllBytes(), StandardCharsets.UTF_8);
    // The guest's own echo and its "echo: " line; a local echo would make it three.
    assertThat(count(all, token)).as(all).isEqualTo(2);
    List<String> settings =
        Pattern.compile("(?m)^[0-9a-f]+(:[0-9a-f]+){10,}\\r?$")
            .matcher(all)
            .results()
            .map(m -> m.group().strip())
            .toList();
    assertThat(settings).as(all).hasSize(2);
    assertThat(settings.get(1))
        .as("terminal settings after the console")
        .isEqualTo(settings.get(0));
  }

  /**
   * Input that ends at once (a pipe: the end detaches) reaches the guest whole: qemu takes it only
   * as fast as the guest's UART does and drops what is unread once the console's client is gone.
   */
  @Test
  @Order(3)
  void inputThatEndsAtOnceStillReachesTheGuestWhole() throws Exception {
    String token = "whole-" + UUID.randomUUID(); // longer than the UART's 16-byte FIFO
    Process console = cli("console", "vm");
    CompletableFuture<String> stderr = readAll(console.getErrorStream());
    readAll(console.getInputStream());
    try (OutputStream keys = console.getOutputStream()) {
      keys.write((token + "\r").getBytes(StandardCharsets.UTF_8));
    }
    assertThat(console.waitFor(CLI_WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(console.exitValue()).as(stderr.get()).isZero();
    Path serial = Path.of(vmDir, "serial.log");
    await()
        .atMost(CLI_WAIT)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> Files.readString(serial).contains("echo: " + token));
    awaitNoHelper("relay", vmDir);
  }

  @Test
  @Order(4)
  void logsShowTheBootLinesAndFollowSeesWhatTheGuestWrites() throws Exception {
    Result tail = run("logs", "vm", "--tail", "5");
    assertThat(tail.code()).as(tail.stderr()).isZero();
    assertThat(tail.stdout().lines()).hasSizeLessThanOrEqualTo(5).isNotEmpty();
    Result all = run("logs", "vm");
    assertThat(all.stdout())
        .startsWith("=== kvmop launch ")
        .contains("kvmop-fixture: modules loaded", READY_LINE);

    Process follow = cli("logs", "-f", "vm", "--tail", "1");
    readUntil(follow.getInputStream(), "\n");
    String token = "followed-" + UUID.randomUUID().toString().substring(0, 8);
    Process console = cli("console", "vm");
    console.getOutputStream().write((token + "\r\u001d").getBytes(StandardCharsets.UTF_8));
    console.getOutputStream().flush();
    assertThat(readUntil(follow.getInputStream(), "echo: " + token)).contains("echo: " + token);
    assertThat(console.waitFor(CLI_WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    follow.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the JVM stops through its shutdown hooks
    assertThat(follow.waitFor(CLI_WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    awaitNoHelper("log", vmDir);
  }

  @Test
  @Order(5)
  void aMissingGuestOrOneNotRunningIsOneLineAndNoConnection() throws Exception {
    assertOneLineError(run("console", "nope"), "error: kvmguest default/nope not found");
    assertOneLineError(run("logs", "-n", "other", "vm"), "error: kvmguest other/vm not found");
    env.client.resource(TestObjects.guest("off").on("node").halted().build()).create();
    env.awaitGuest("off", GuestPhase.Stopped);
    assertOneLineError(
        run("console", "off"),
        "error: kvmguest default/off is Stopped, not Running: no console to attach to");
  }

  /** A crash and a failed launch each get a Warning Event ending with the logs' last lines. */
  @Test
  @Order(6)
  void crashAndFailedLaunchEventsCarryTheLogTails() {
    env.client.resource(booting("crashy").build()).create();
    awaitBooted("crashy");
    int pid = env.get("crashy").getStatus().pid;
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    env.awaitGuest("crashy", GuestPhase.Failed);
    Event crash = awaitWarning("crashy", "Crashed");
    assertThat(crash.getMessage())
        .startsWith("qemu pid " + pid + " is gone (Crashed)\n--- last lines of serial.log ---\n")
        .contains(READY_LINE, "\n--- last lines of qemu.log ---\n=== kvmop launch ")
        .hasSizeLessThan(5000);

    KvmGuest bad = TestObjects.guest("badarg").on("node").manual().build();
    bad.getSpec().extraArgs = new ArrayList<>(List.of("-no-such-option"));
    env.client.resource(bad).create();
    env.awaitGuest("badarg", GuestPhase.Failed);
    Event failed = awaitWarning("badarg", "LaunchFailed");
    assertThat(failed.getMessage())
        .contains("--- last lines of qemu.log ---\n=== kvmop launch ")
        .contains("-no-such-option: invalid option");
  }

  @Test
  @Order(7)
  void aReplacedHostKeyIsRefused() throws Exception {
    String pinned = env.sshd.hostKeyFingerprint();
    env.sshd.replaceHostKey();
    Result r = run("console", "vm");
    assertOneLineError(r, "error: kvmhost default/node: HostKeyMismatch: host key of 127.0.0.1:");
    assertThat(r.stderr())
        .contains("expected " + pinned, "presented " + env.sshd.hostKeyFingerprint());
  }

  @Test
  @Order(8)
  void anUnreachableHostIsOneLine() throws Exception {
    env.sshd.stop();
    Result r = run("logs", "vm");
    assertOneLineError(r, "error: kvmhost default/node: Unreachable: cannot reach 127.0.0.1:");
  }

  // ---------------------------------------------------------------- helpers

  /** The test guest on host "node": TCG, machine pc, user networking, Manual. */
  static TestObjects.GuestBuilder booting(String name) {
    return TestObjects.guest(name)
        .on("node")
        .manual()
        .spec(
            s -> {
              s.machine = "pc";
              s.accel = Accel.Tcg;
              s.memory = "128Mi";
              s.network.type = NetworkType.None;
              s.kernel = new KvmGuestSpec.Kernel();
              s.kernel.path = fixture.resolve("vmlinuz").toString();
              s.kernel.initrd = fixture.resolve("initrd.img").toString();
              s.kernel.cmdline = "console=ttyS0 quiet panic=-1";
              s.extraArgs = new ArrayList<>(List.of("-vga", "none"));
            });
  }

  /** Waits until the guest's init answers on its console; returns the guest's directory. */
  static String awaitBooted(String name) {
    KvmGuest g = env.awaitGuest(name, GuestPhase.Running);
    Path serial =
        env.guestsDir("node")
            .resolve("default_" + name + "_" + g.getMetadata().getUid())
            .resolve("serial.log");
    await()
        .atMost(BOOT)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> Files.exists(serial) && Files.readString(serial).contains(READY_LINE));
    return serial.getParent().toString();
  }

  static Event awaitWarning(String guest, String reason) {
    return await()
        .atMost(E2EEnvironment.WAIT)
        .until(
            () ->
                env.events(guest).stream()
                    .filter(e -> "Warning".equals(e.getType()) && reason.equals(e.getReason()))
                    .findFirst()
                    .orElse(null),
            e -> e != null);
  }

  static void assertOneLineError(Result r, String start) {
    assertThat(r.code()).as(r.stderr()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr()).startsWith(start).hasLineCount(1).doesNotContain("Exception\n\tat");
  }

  /** No relay or log follower of the guest's directory still runs on the host. */
  static void awaitNoHelper(String mode, String dir) {
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                ProcessHandle.allProcesses()
                    .map(h -> h.info().commandLine().orElse(""))
                    .noneMatch(c -> c.contains("kvmop-console.pl " + mode) && c.contains(dir)));
  }

  record Result(int code, String stdout, String stderr) {}

  static List<String> cliCommand(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-jar");
    cmd.add(OperatorProcess.jar().toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** The CLI as a user runs it, with the environment's kubeconfig; stdin and stdout are pipes. */
  static Process cli(String... args) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cliCommand(args));
    pb.environment().put("KUBECONFIG", env.kubeconfig.toString());
    pb.environment().put("KUBERNETES_HTTP2_DISABLE", "true");
    return pb.start();
  }

  static Result run(String... args) throws Exception {
    Process p = cli(args);
    p.getOutputStream().close();
    CompletableFuture<String> out = readAll(p.getInputStream());
    CompletableFuture<String> err = readAll(p.getErrorStream());
    assertThat(p.waitFor(CLI_WAIT.toSeconds(), TimeUnit.SECONDS))
        .as(String.join(" ", args))
        .isTrue();
    return new Result(p.exitValue(), out.get(), err.get());
  }

  static CompletableFuture<String> readAll(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /** Reads until what was read ends with {@code end}; fails after {@link #CLI_WAIT}. */
  static String readUntil(InputStream in, String end) throws Exception {
    return CompletableFuture.supplyAsync(
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
                throw new UncheckedIOException(e);
              }
              return seen.toString(StandardCharsets.UTF_8);
            })
        .get(CLI_WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}
