package dev.kvmop.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.host.Command;
import dev.kvmop.host.CommandResult;
import dev.kvmop.host.HostException;
import dev.kvmop.host.HostException.Reason;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.SshTarget;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.SshKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SSH layer against Debian's real OpenSSH sshd (MaxSessions=10, login shell per exec). */
class SshRemoteShellOpenSshE2E {
  static final SshKeys.KeyText KEY = SshKeys.generate("ed25519");
  static OpenSshServer server;
  static RemoteShell shell;

  @BeforeAll
  static void start() throws HostException {
    assumeTrue(OpenSshServer.available(), "no /usr/sbin/sshd");
    server = new OpenSshServer().authorize(KEY.publicKeyLine()).start();
    shell = new SshRemoteShellFactory().connect(target(server, server.hostKeyLine(), 10));
  }

  @AfterAll
  static void stop() {
    if (shell != null) {
      shell.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  static SshTarget target(OpenSshServer s, String hostKey, int maxSessions) {
    return new SshTarget(
        "ns/openssh",
        "127.0.0.1",
        s.port(),
        System.getProperty("user.name"),
        KEY.privateKey(),
        null,
        HostKeyPolicy.Pinned,
        hostKey,
        maxSessions);
  }

  static Command cmd(String... argv) {
    return new Command("e2e", List.of(argv), Duration.ofSeconds(30));
  }

  @Test
  void connectsWithThePinnedKey() throws Exception {
    assertThat(shell.hostKeyFingerprint()).isEqualTo(server.hostKeyFingerprint());
    CommandResult r = shell.run(cmd("/bin/sh", "-c", "echo out; echo err >&2; exit 4"));
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.stdout()).isEqualTo("out\n");
    assertThat(r.stderr()).isEqualTo("err\n");
  }

  @Test
  void fourteenConcurrentCommandsStayWithinMaxSessions() throws Exception {
    // Several rounds: a channel opened right after another closed is where OpenSSH's slot
    // accounting lags behind ours.
    for (int round = 0; round < 3; round++) {
      List<String> runOut =
          concurrently(14, i -> shell.run(cmd("/bin/sh", "-c", "sleep 0.2; echo r" + i)));
      List<String> ownOut =
          concurrently(
              14, i -> shell.runOnOwnChannel(cmd("/bin/sh", "-c", "sleep 0.2; echo o" + i)));
      for (int i = 0; i < 14; i++) {
        assertThat(runOut.get(i)).isEqualTo("r" + i + "\n");
        assertThat(ownOut.get(i)).isEqualTo("o" + i + "\n");
      }
    }
  }

  @Test
  void refusesAMismatchedHostKey() {
    String other = SshKeys.generate("ed25519").publicKeyLine();
    assertThatThrownBy(() -> new SshRemoteShellFactory().connect(target(server, other, 10)))
        .hasMessageContaining(server.hostKeyFingerprint())
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(Reason.HostKeyMismatch);
  }

  @Test
  void aReplacedHostKeyIsRefusedAfterRestart() throws Exception {
    try (OpenSshServer other = new OpenSshServer().authorize(KEY.publicKeyLine()).start()) {
      String pinned = other.hostKeyLine();
      try (RemoteShell first = new SshRemoteShellFactory().connect(target(other, pinned, 10))) {
        assertThat(first.run(cmd("true")).ok()).isTrue();
      }
      other.replaceHostKey();
      assertThatThrownBy(() -> new SshRemoteShellFactory().connect(target(other, pinned, 10)))
          .extracting(e -> ((HostException) e).reason())
          .isEqualTo(Reason.HostKeyMismatch);
    }
  }

  @Test
  void persistentShellVersusOwnChannelMedians() throws Exception {
    shell.run(cmd("true"));
    List<Long> shellMs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      shellMs.add(shell.run(cmd("true")).took().toNanos());
    }
    List<Long> ownMs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ownMs.add(shell.runOnOwnChannel(cmd("true")).took().toNanos());
    }
    System.out.printf(
        "OpenSSH per-command median: run() %.2f ms over 50, runOnOwnChannel() %.2f ms over 10%n",
        median(shellMs) / 1e6, median(ownMs) / 1e6);
  }

  interface Indexed {
    CommandResult call(int i) throws Exception;
  }

  static List<String> concurrently(int n, Indexed task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<CommandResult>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(pool.submit((Callable<CommandResult>) () -> task.call(index)));
      }
      List<String> out = new ArrayList<>();
      for (Future<CommandResult> f : futures) {
        out.add(f.get().stdout());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  static double median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    int mid = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2.0;
  }
}
