package dev.kvmop.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.host.Command;
import dev.kvmop.host.CommandResult;
import dev.kvmop.host.HostException;
import dev.kvmop.host.HostException.Reason;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.SshTarget;
import dev.kvmop.testing.MinaSshServer;
import dev.kvmop.testing.SshKeys;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SshRemoteShellIT {
  static final SshKeys.KeyText ED25519 = SshKeys.generate("ed25519");
  static final SshKeys.KeyText WITH_PASSPHRASE = SshKeys.generate("ed25519", "s3cret pass", false);
  static final MinaSshServer SERVER =
      new MinaSshServer()
          .authorize(ED25519.publicKeyLine())
          .authorize(WITH_PASSPHRASE.publicKeyLine());

  static RemoteShell shared;
  final List<RemoteShell> opened = new ArrayList<>();

  @BeforeAll
  static void start() throws HostException {
    SERVER.start();
    shared = new SshRemoteShellFactory().connect(target(ED25519, SERVER.hostKeyLine()));
  }

  @AfterAll
  static void stop() {
    if (shared != null) {
      shared.close();
    }
    SERVER.stop();
  }

  @AfterEach
  void closeOpened() {
    opened.forEach(RemoteShell::close);
  }

  static SshTarget target(SshKeys.KeyText key, String expectedHostKey) {
    return target(key, null, HostKeyPolicy.Pinned, expectedHostKey, SERVER.port());
  }

  static SshTarget target(
      SshKeys.KeyText key, String passphrase, HostKeyPolicy policy, String expected, int port) {
    return new SshTarget(
        "ns/mina", "127.0.0.1", port, "root", key.privateKey(), passphrase, policy, expected, 10);
  }

  RemoteShell connect(SshTarget target) throws HostException {
    RemoteShell shell = new SshRemoteShellFactory().connect(target);
    opened.add(shell);
    return shell;
  }

  static Command cmd(String... argv) {
    return new Command("test", List.of(argv), Duration.ofSeconds(20));
  }

  static Command sh(String script) {
    return cmd("/bin/sh", "-c", script);
  }

  @Test
  void runsACommand() throws Exception {
    CommandResult r = shared.run(cmd("echo", "hello", "world"));
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo("hello world\n");
    assertThat(r.stderr()).isEmpty();
    assertThat(r.took()).isPositive();
  }

  @Test
  void reportsExitCodeAndSeparatesStderr() throws Exception {
    CommandResult r = shared.run(sh("echo out; echo err >&2; exit 3"));
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stdout()).isEqualTo("out\n");
    assertThat(r.stderr()).isEqualTo("err\n");
  }

  @Test
  void specialBuiltinsCannotEndOrChangeTheSharedShell() throws Exception {
    assertThat(shared.run(cmd("exit", "7")).exitCode()).isEqualTo(7);
    shared.run(cmd("cd", "/tmp"));
    shared.run(cmd("exec", "true"));
    assertThat(shared.run(cmd("pwd")).stdout()).isEqualTo("/\n");
  }

  @Test
  void keepsOutputWithoutTrailingNewlineExact() throws Exception {
    CommandResult r = shared.run(sh("printf abc; printf xyz >&2"));
    assertThat(r.stdout()).isEqualTo("abc");
    assertThat(r.stderr()).isEqualTo("xyz");
    assertThat(shared.run(cmd("printf", "\n\n")).stdout()).isEqualTo("\n\n");
  }

  @Test
  void commandsDoNotReadTheShellsStdin() throws Exception {
    CommandResult r = shared.run(cmd("cat"));
    assertThat(r.stdout()).isEmpty();
    assertThat(shared.run(cmd("echo", "after")).stdout()).isEqualTo("after\n");
  }

  @Test
  void drainsLargeStdoutAndStderrTogether() throws Exception {
    CommandResult r =
        shared.run(
            sh(
                "head -c 1048576 /dev/zero | tr '\\0' a;"
                    + " head -c 1048576 /dev/zero | tr '\\0' b >&2"));
    assertThat(r.stdout()).hasSize(1 << 20).matches("a+");
    assertThat(r.stderr()).hasSize(1 << 20).matches("b+");
  }

  @Test
  void reusesOneSessionForSequentialCommands() throws Exception {
    RemoteShell shell = connect(target(ED25519, SERVER.hostKeyLine()));
    int before = SERVER.execCount();
    for (int i = 0; i < 30; i++) {
      assertThat(shell.run(cmd("echo", "n" + i)).stdout()).isEqualTo("n" + i + "\n");
    }
    assertThat(SERVER.execCount() - before).isEqualTo(1);
    assertThat(SERVER.execs()).contains("/bin/sh");
  }

  @Test
  void runsConcurrentCommandsOnAFewSessions() throws Exception {
    RemoteShell shell = connect(target(ED25519, SERVER.hostKeyLine()));
    int before = SERVER.execCount();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 10; i++) {
                    String word = "t" + thread + "-" + i;
                    CommandResult r = shell.run(sh("echo " + word + "; echo e" + word + " >&2"));
                    assertThat(r.stdout()).isEqualTo(word + "\n");
                    assertThat(r.stderr()).isEqualTo("e" + word + "\n");
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(SERVER.execCount() - before).isBetween(1, 4);
  }

  @Test
  void timeoutReplacesTheSessionAndTheNextCommandWorks() throws Exception {
    RemoteShell shell = connect(target(ED25519, SERVER.hostKeyLine()));
    shell.run(cmd("true"));
    int before = SERVER.execCount();
    Command slow = new Command("probe", List.of("sleep", "30"), Duration.ofSeconds(1));
    assertThatThrownBy(() -> shell.run(slow))
        .isInstanceOf(HostException.class)
        .hasMessage("probe timed out after 1s")
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.Timeout);
    assertThat(shell.run(cmd("echo", "alive")).stdout()).isEqualTo("alive\n");
    assertThat(SERVER.execCount() - before).isEqualTo(1);
  }

  @Test
  void runsOnItsOwnChannel() throws Exception {
    CommandResult r = shared.runOnOwnChannel(sh("echo built; echo warn >&2; exit 2"));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stdout()).isEqualTo("built\n");
    assertThat(r.stderr()).isEqualTo("warn\n");
    assertThat(SERVER.execs()).contains(sh("echo built; echo warn >&2; exit 2").commandLine());
  }

  @Test
  void ownChannelTimesOut() {
    Command slow = new Command("make", List.of("sleep", "30"), Duration.ofSeconds(1));
    assertThatThrownBy(() -> shared.runOnOwnChannel(slow))
        .isInstanceOf(HostException.class)
        .hasMessage("make timed out after 1s");
  }

  @Test
  void acceptsPinnedKeyLineAndFingerprint() throws Exception {
    RemoteShell byLine = connect(target(ED25519, SERVER.hostKeyLine()));
    RemoteShell byFingerprint = connect(target(ED25519, SERVER.hostKeyFingerprint()));
    assertThat(byLine.hostKeyFingerprint()).isEqualTo(SERVER.hostKeyFingerprint());
    assertThat(byFingerprint.run(cmd("true")).ok()).isTrue();
  }

  @Test
  void refusesAMismatchedHostKey() {
    String other = SshKeys.generate("ed25519").publicKeyLine();
    assertThatThrownBy(() -> connect(target(ED25519, other)))
        .isInstanceOf(HostException.class)
        .hasMessageContaining(SERVER.hostKeyFingerprint())
        .hasMessageContaining("expected SHA256:")
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.HostKeyMismatch);
    assertThatThrownBy(
            () ->
                connect(
                    target(
                        ED25519,
                        null,
                        HostKeyPolicy.TrustOnFirstUse,
                        "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                        SERVER.port())))
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.HostKeyMismatch);
  }

  @Test
  void pinnedPolicyWithoutAKeyIsRefused() {
    assertThatThrownBy(() -> connect(target(ED25519, null)))
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.HostKeyMismatch);
  }

  @Test
  void trustOnFirstUseRecordsTheFingerprint() throws Exception {
    RemoteShell shell =
        connect(target(ED25519, null, HostKeyPolicy.TrustOnFirstUse, null, SERVER.port()));
    assertThat(shell.hostKeyFingerprint()).isEqualTo(SERVER.hostKeyFingerprint());
    assertThat(shell.hostKeyFingerprint()).startsWith("SHA256:").doesNotEndWith("=");
  }

  @Test
  void refusedClientKeyIsAuthenticationFailed() {
    SshKeys.KeyText stranger = SshKeys.generate("ed25519");
    assertThatThrownBy(() -> connect(target(stranger, SERVER.hostKeyLine())))
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.AuthenticationFailed);
  }

  @Test
  void unreadableKeyIsInvalidCredentialsWithoutKeyMaterial() {
    String garbage =
        "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END OPENSSH PRIVATE KEY-----\n";
    SshKeys.KeyText bad = new SshKeys.KeyText(garbage, "");
    assertThatThrownBy(() -> connect(target(bad, SERVER.hostKeyLine())))
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.InvalidCredentials);
    assertThatThrownBy(
            () -> connect(target(new SshKeys.KeyText("just text", ""), SERVER.hostKeyLine())))
        .hasMessageNotContaining("just text")
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.InvalidCredentials);
  }

  @Test
  void passphraseIsUsedAndAWrongOneIsInvalidCredentials() throws Exception {
    SshTarget right =
        target(
            WITH_PASSPHRASE,
            "s3cret pass",
            HostKeyPolicy.Pinned,
            SERVER.hostKeyLine(),
            SERVER.port());
    assertThat(connect(right).run(cmd("true")).ok()).isTrue();

    SshTarget wrong =
        target(
            WITH_PASSPHRASE,
            "nope-nope",
            HostKeyPolicy.Pinned,
            SERVER.hostKeyLine(),
            SERVER.port());
    assertThatThrownBy(() -> connect(wrong))
        .hasMessageContaining("passphrase")
        .hasMessageNotContaining("nope-nope")
        .hasMessageNotContaining("PRIVATE KEY")
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.InvalidCredentials);

    SshTarget missing =
        target(WITH_PASSPHRASE, null, HostKeyPolicy.Pinned, SERVER.hostKeyLine(), SERVER.port());
    assertThatThrownBy(() -> connect(missing))
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.InvalidCredentials);
  }

  @Test
  void closedPortIsUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    int closedPort = port;
    assertThatThrownBy(
            () ->
                connect(
                    target(ED25519, null, HostKeyPolicy.Pinned, SERVER.hostKeyLine(), closedPort)))
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.Unreachable);
  }

  @ParameterizedTest
  @CsvSource({"ed25519,false", "rsa,false", "rsa,true", "ecdsa,false", "ecdsa,true"})
  void authenticatesWithEachKeyType(String type, boolean pem) throws Exception {
    SshKeys.KeyText key = SshKeys.generate(type, "pw-12345", pem);
    SERVER.authorize(key.publicKeyLine());
    RemoteShell shell =
        connect(target(key, "pw-12345", HostKeyPolicy.Pinned, SERVER.hostKeyLine(), SERVER.port()));
    assertThat(shell.run(cmd("echo", type)).stdout()).isEqualTo(type + "\n");
  }

  @Test
  void checksTcpReachabilityThroughTheHost() throws Exception {
    try (ServerSocket listening = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      assertThat(shared.canConnect("127.0.0.1", listening.getLocalPort(), Duration.ofSeconds(5)))
          .isTrue();
    }
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertThat(shared.canConnect("127.0.0.1", closed, Duration.ofSeconds(5))).isFalse();
    assertThat(shared.run(cmd("true")).ok()).isTrue();
  }

  @Test
  void tellsTheListenerAboutEachCommand() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    RemoteShell shell =
        new SshRemoteShellFactory((host, op, took, ok) -> seen.add(host + " " + op + " " + ok))
            .connect(target(ED25519, SERVER.hostKeyLine()));
    opened.add(shell);
    shell.run(new Command("probe", List.of("true"), Duration.ofSeconds(5)));
    shell.run(new Command("facts", List.of("false"), Duration.ofSeconds(5)));
    shell.runOnOwnChannel(new Command("build", List.of("true"), Duration.ofSeconds(5)));
    assertThat(seen)
        .containsExactly("ns/mina probe true", "ns/mina facts false", "ns/mina build true");
  }

  @Test
  void closeIsIdempotentAndEndsTheConnection() throws Exception {
    RemoteShell shell = connect(target(ED25519, SERVER.hostKeyLine()));
    assertThat(shell.isConnected()).isTrue();
    shell.close();
    shell.close();
    assertThat(shell.isConnected()).isFalse();
    assertThatThrownBy(() -> shell.run(cmd("true")))
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.Unreachable);
  }

  @Test
  void argvArrivesLiterallyThroughTheRemoteShell() throws Exception {
    Random random = new Random(42);
    int[] alphabet =
        "abcXYZ019 \t\n'\"\\$`;&|<>(){}[]*?!#~%^=-+,.:/@éß日本語😀\r".codePoints().toArray();
    List<String> samples = new ArrayList<>(List.of("", "; rm -rf /", "$(id)", "`id`", "'", "-n"));
    while (samples.size() < 200) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(40);
      for (int i = 0; i < len; i++) {
        sb.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
      }
      samples.add(sb.toString());
    }
    for (String s : samples) {
      assertThat(shared.run(cmd("printf", "%s", s)).stdout())
          .as("round trip of %s", s)
          .isEqualTo(s);
    }
  }
}
