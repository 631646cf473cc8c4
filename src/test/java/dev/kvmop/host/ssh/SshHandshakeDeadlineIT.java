package dev.kvmop.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.host.HostException;
import dev.kvmop.host.SshTarget;
import dev.kvmop.testing.SshKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that accepts TCP and never sends an SSH banner (a hung sshd, a port forwarded to nothing)
 * must fail the connect within its deadline instead of blocking it, and the host's lock, forever.
 */
class SshHandshakeDeadlineIT {
  static final SshKeys.KeyText KEY = SshKeys.generate("ed25519");

  final List<Socket> accepted = new CopyOnWriteArrayList<>();
  ServerSocket silent;

  @AfterEach
  void close() throws IOException {
    for (Socket s : accepted) {
      s.close();
    }
    if (silent != null) {
      silent.close();
    }
  }

  @Test
  void aPeerThatNeverSendsABannerIsUnreachableWithinTheDeadline() throws Exception {
    silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              try {
                while (true) {
                  accepted.add(silent.accept()); // then says nothing
                }
              } catch (IOException closed) {
                // the test is over
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    SshTarget target =
        new SshTarget(
            "ns/silent",
            "127.0.0.1",
            silent.getLocalPort(),
            "root",
            KEY.privateKey(),
            null,
            HostKeyPolicy.TrustOnFirstUse,
            null,
            4);
    long start = System.nanoTime();
    assertTimeoutPreemptively(
        SshRemoteShellFactory.HANDSHAKE_DEADLINE.plusSeconds(15),
        () ->
            assertThatThrownBy(() -> new SshRemoteShellFactory().connect(target))
                .isInstanceOf(HostException.class)
                .satisfies(
                    e ->
                        assertThat(((HostException) e).reason())
                            .isEqualTo(HostException.Reason.Unreachable))
                .hasMessageContaining("no SSH handshake within"));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).isLessThan(SshRemoteShellFactory.HANDSHAKE_DEADLINE.plusSeconds(5));
  }
}
