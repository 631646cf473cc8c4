package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmop.api.HostKeyPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostConnectionsTest {
  final FakeClock clock = new FakeClock();
  final FakeFactory factory = new FakeFactory();
  final HostConnections connections = new HostConnections(factory, clock);

  static SshTarget target(String hostId, String key) {
    return new SshTarget(
        hostId, "10.0.0.5", 22, "root", key, null, HostKeyPolicy.Pinned, "SHA256:x", 8);
  }

  @Test
  void reusesTheLiveConnection() throws Exception {
    RemoteShell first = connections.get(target("ns/a", "k1"));
    assertThat(connections.get(target("ns/a", "k1"))).isSameAs(first);
    assertThat(factory.connects).isEqualTo(1);
  }

  @Test
  void keepsOneConnectionPerHost() throws Exception {
    RemoteShell a = connections.get(target("ns/a", "k1"));
    RemoteShell b = connections.get(target("ns/b", "k1"));
    assertThat(a).isNotSameAs(b);
    assertThat(factory.connects).isEqualTo(2);
  }

  @Test
  void rotatedSettingsCloseTheOldConnectionAndReconnect() throws Exception {
    FakeShell old = (FakeShell) connections.get(target("ns/a", "k1"));
    FakeShell rotated = (FakeShell) connections.get(target("ns/a", "k2"));
    assertThat(rotated).isNotSameAs(old);
    assertThat(old.closed).isTrue();
    assertThat(rotated.closed).isFalse();
  }

  @Test
  void aDroppedTransportIsReplaced() throws Exception {
    FakeShell old = (FakeShell) connections.get(target("ns/a", "k1"));
    old.connected = false;
    assertThat(connections.get(target("ns/a", "k1"))).isNotSameAs(old);
    assertThat(old.closed).isTrue();
  }

  @Test
  void backsOffDoublingUpToSixtySeconds() {
    factory.failing = true;
    attempt();
    List<Duration> waits = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int before = factory.connects;
      Duration waited = Duration.ZERO;
      while (factory.connects == before) {
        clock.advance(Duration.ofMillis(250));
        waited = waited.plusMillis(250);
        attempt();
      }
      waits.add(waited);
    }
    assertThat(waits)
        .extracting(Duration::toSeconds)
        .containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);
  }

  void attempt() {
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1")))
        .isInstanceOf(HostException.class);
  }

  @Test
  void duringBackoffTheLastFailureIsRethrownWithoutConnecting() throws Exception {
    factory.failing = true;
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1"))).hasMessage("down");
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1")))
        .hasMessage("down (retry in 1s)")
        .extracting(e -> ((HostException) e).reason())
        .isEqualTo(HostException.Reason.Unreachable);
    assertThat(factory.connects).isEqualTo(1);

    clock.advance(Duration.ofSeconds(1));
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1"))).hasMessage("down");
    assertThat(factory.connects).isEqualTo(2);
    clock.advance(Duration.ofSeconds(1));
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1")))
        .hasMessage("down (retry in 1s)");
    clock.advance(Duration.ofSeconds(1));
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1"))).hasMessage("down");
    assertThat(factory.connects).isEqualTo(3);
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1")))
        .hasMessage("down (retry in 4s)");

    factory.failing = false;
    clock.advance(Duration.ofSeconds(4));
    assertThat(connections.get(target("ns/a", "k1")).isConnected()).isTrue();
  }

  @Test
  void backoffIsCappedAtSixtySeconds() {
    factory.failing = true;
    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofSeconds(60));
      assertThatThrownBy(() -> connections.get(target("ns/a", "k1"))).hasMessage("down");
    }
    assertThat(factory.connects).isEqualTo(10);
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1")))
        .hasMessage("down (retry in 60s)");
    clock.advance(Duration.ofSeconds(59));
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1")))
        .hasMessage("down (retry in 1s)");
  }

  @Test
  void newSettingsAreTriedAtOnceDespiteBackoff() throws Exception {
    factory.failing = true;
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1"))).hasMessage("down");
    factory.failing = false;
    assertThat(connections.get(target("ns/a", "k2")).isConnected()).isTrue();
    assertThat(factory.connects).isEqualTo(2);
  }

  @Test
  void dropClosesAndForgets() throws Exception {
    FakeShell shell = (FakeShell) connections.get(target("ns/a", "k1"));
    connections.drop("ns/a");
    assertThat(shell.closed).isTrue();
    assertThat(connections.get(target("ns/a", "k1"))).isNotSameAs(shell);
    connections.drop("ns/unknown");
  }

  @Test
  void dropForgetsBackoff() throws Exception {
    factory.failing = true;
    assertThatThrownBy(() -> connections.get(target("ns/a", "k1"))).hasMessage("down");
    connections.drop("ns/a");
    factory.failing = false;
    assertThat(connections.get(target("ns/a", "k1")).isConnected()).isTrue();
  }

  @Test
  void closeAllClosesEveryConnection() throws Exception {
    FakeShell a = (FakeShell) connections.get(target("ns/a", "k1"));
    FakeShell b = (FakeShell) connections.get(target("ns/b", "k1"));
    connections.closeAll();
    assertThat(a.closed).isTrue();
    assertThat(b.closed).isTrue();
  }

  static final class FakeClock extends Clock {
    Instant now = Instant.parse("2025-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  static final class FakeFactory implements RemoteShellFactory {
    int connects;
    boolean failing;
    final Deque<FakeShell> made = new ArrayDeque<>();

    @Override
    public synchronized RemoteShell connect(SshTarget target) throws HostException {
      connects++;
      if (failing) {
        throw new HostException(HostException.Reason.Unreachable, "down");
      }
      FakeShell shell = new FakeShell();
      made.add(shell);
      return shell;
    }
  }

  static final class FakeShell implements RemoteShell {
    volatile boolean connected = true;
    volatile boolean closed;

    @Override
    public CommandResult run(Command command) {
      return new CommandResult(0, "", "", Duration.ZERO);
    }

    @Override
    public CommandResult runOnOwnChannel(Command command) {
      return run(command);
    }

    @Override
    public RemoteProcess start(Command command) {
      throw new UnsupportedOperationException("no streams here");
    }

    @Override
    public boolean canConnect(String address, int port, Duration timeout) {
      return true;
    }

    @Override
    public String hostKeyFingerprint() {
      return "SHA256:x";
    }

    @Override
    public boolean isConnected() {
      return connected && !closed;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
