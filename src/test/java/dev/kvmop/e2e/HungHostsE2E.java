package dev.kvmop.e2e;

import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import dev.kvmop.testing.ApiObjects;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OperatorProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hosts that accept TCP and never send an SSH banner (a hung sshd, a port forwarded to nothing),
 * more of them than the operator has probe threads, beside one healthy host with guests. Each hung
 * host must become Unreachable once its SSH handshake deadline has passed, saying why, and the
 * healthy host must not notice: it stays Ready, its guests are probed on schedule and stay Running,
 * and a guest created on it while the others hang starts at once. Without the handshake deadline a
 * hung host's connect never returns, so its status is never written and the first await fails.
 */
class HungHostsE2E {
  /** More than the 2 guest-probe threads. */
  static final int HUNG = 3;

  /** Informer event, reconcile start and status write around the handshake, on a loaded machine. */
  static final Duration OPERATOR_SLACK = Duration.ofSeconds(10);

  static final Duration UNREACHABLE_WITHIN =
      SshRemoteShellFactory.HANDSHAKE_DEADLINE.plus(OPERATOR_SLACK);

  /** The healthy host probes every second; this many seconds without a probe is off schedule. */
  static final Duration PROBE_GAP_LIMIT = Duration.ofSeconds(5);

  /** How long to keep watching after the last hung host went Unreachable (its retries hang). */
  static final Duration AFTERWARDS = Duration.ofSeconds(10);

  static final String NODE_SERIES = "host=\"default/node\"";

  @TempDir Path tmp;

  @Test
  void hungHostsAreUnreachableWithinTheirDeadlineAndTheHealthyHostCarriesOn() throws Exception {
    try (E2EEnvironment env = new E2EEnvironment(tmp);
        SilentListeners silent = new SilentListeners(HUNG)) {
      env.client.resource(env.host("node", env.sshd.hostKeyLine(), 0)).create();
      OperatorProcess operator = env.startOperator();
      env.awaitHost("node", HostPhase.Ready);
      env.client.resource(guest("before").on("node").build()).create();
      env.awaitGuest("before", GuestPhase.Running);

      Instant created = Instant.now();
      for (int i = 0; i < HUNG; i++) {
        KvmHost hung = env.host(hungName(i), env.sshd.hostKeyLine(), 0);
        hung.getSpec().port = silent.port(i);
        env.client.resource(hung).create();
      }
      await().atMost(E2EEnvironment.WAIT).until(silent::everyOneAccepted);
      Instant hanging = Instant.now();
      env.client.resource(guest("during").on("node").build()).create();

      Watch watch = new Watch(env, operator, created);
      // Waits past the bound, so that a late Unreachable fails the assertion below with figures.
      await("every hung host Unreachable")
          .atMost(UNREACHABLE_WITHIN.plus(E2EEnvironment.WAIT))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> watch.sample() && watch.allUnreachable());
      Instant allUnreachable = Instant.now();
      await()
          .pollDelay(AFTERWARDS)
          .atMost(AFTERWARDS.plusSeconds(5))
          .pollInterval(Duration.ofMillis(500))
          .until(watch::sample);

      System.out.printf(
          "hung-hosts: %d silent listeners (%d connections accepted), Unreachable after %s"
              + " (deadline %d s, bound %d s), guest 'during' Running %.1f s after create,"
              + " healthy host: %d probes in %.0f s, largest gap %.1f s, %d non-Ready samples,"
              + " %d samples with a guest not Running%n",
          HUNG,
          silent.acceptedCount(),
          watch.unreachableAfter.values(),
          SshRemoteShellFactory.HANDSHAKE_DEADLINE.toSeconds(),
          UNREACHABLE_WITHIN.toSeconds(),
          watch.duringRunningAt == null
              ? Double.NaN
              : seconds(Duration.between(hanging, watch.duringRunningAt)),
          (long) (watch.lastProbeCount - watch.firstProbeCount),
          seconds(Duration.between(watch.start, Instant.now())),
          seconds(watch.largestProbeGap),
          watch.nodeNotReady.size(),
          watch.guestNotRunning.size());

      for (int i = 0; i < HUNG; i++) {
        KvmHost h = env.getHost(hungName(i));
        var ready = ApiObjects.condition(h.getStatus().conditions, Conditions.READY);
        assertThat(ready.getReason()).as(hungName(i)).isEqualTo(HostReasons.UNREACHABLE);
        assertThat(ready.getMessage()).as(hungName(i)).contains("no SSH handshake within");
        assertThat(watch.unreachableAfter.get(hungName(i)))
            .as("%s Unreachable after creation", hungName(i))
            .isLessThanOrEqualTo(UNREACHABLE_WITHIN);
      }
      assertThat(watch.nodeNotReady).as("healthy host phases other than Ready").isEmpty();
      assertThat(watch.guestNotRunning).as("healthy host's guests not Running").isEmpty();
      assertThat(watch.largestProbeGap)
          .as("largest gap between two probes of the healthy host")
          .isLessThanOrEqualTo(PROBE_GAP_LIMIT);
      assertThat(watch.duringRunningAt)
          .as("guest 'during', created while the hung hosts hang, is Running before they time out")
          .isNotNull()
          .isBefore(allUnreachable)
          .isBefore(hanging.plus(SshRemoteShellFactory.HANDSHAKE_DEADLINE));
    }
  }

  private static String hungName(int i) {
    return "hung-" + i;
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }

  /** Samples the hosts, the healthy host's guests and its probe count every poll. */
  private static final class Watch {
    final E2EEnvironment env;
    final OperatorProcess operator;
    final Instant created;
    final Map<String, Duration> unreachableAfter = new TreeMap<>();
    final List<String> nodeNotReady = new ArrayList<>();
    final TreeSet<String> guestNotRunning = new TreeSet<>();
    final Instant start = Instant.now();
    final double firstProbeCount;
    double lastProbeCount;
    Instant lastProbeSeen = Instant.now();
    Duration largestProbeGap = Duration.ZERO;
    Instant duringRunningAt;

    Watch(E2EEnvironment env, OperatorProcess operator, Instant created) {
      this.env = env;
      this.operator = operator;
      this.created = created;
      this.firstProbeCount = operator.metricSum("kvmop_probe_seconds_count", NODE_SERIES);
      this.lastProbeCount = firstProbeCount;
    }

    /** Records one sample; always true, so that it can serve as an Awaitility condition. */
    boolean sample() {
      Instant now = Instant.now();
      double probes = operator.metricSum("kvmop_probe_seconds_count", NODE_SERIES);
      if (probes > lastProbeCount) {
        lastProbeCount = probes;
        lastProbeSeen = now;
      }
      Duration gap = Duration.between(lastProbeSeen, now);
      if (gap.compareTo(largestProbeGap) > 0) {
        largestProbeGap = gap;
      }
      KvmHost node = env.getHost("node");
      if (node.getStatus().phase != HostPhase.Ready) {
        nodeNotReady.add(node.getStatus().phase + " at " + now);
      }
      sampleGuests(now);
      for (int i = 0; i < HUNG; i++) {
        KvmHost h = env.getHost(hungName(i));
        if (h.getStatus() != null && h.getStatus().phase == HostPhase.Unreachable) {
          unreachableAfter.putIfAbsent(hungName(i), Duration.between(created, now));
        }
      }
      return true;
    }

    private void sampleGuests(Instant now) {
      for (KvmGuest g : env.guestsOf("node")) {
        String name = g.getMetadata().getName();
        boolean running = g.getStatus() != null && g.getStatus().phase == GuestPhase.Running;
        if (name.equals("during") && running && duringRunningAt == null) {
          duringRunningAt = now;
        } else if (!running && (name.equals("before") || duringRunningAt != null)) {
          guestNotRunning.add(name + " " + (g.getStatus() == null ? null : g.getStatus().phase));
        }
      }
    }

    boolean allUnreachable() {
      return unreachableAfter.size() == HUNG;
    }
  }

  /** Loopback listeners that accept connections and never write; closed with the test. */
  private static final class SilentListeners implements AutoCloseable {
    final List<ServerSocket> servers = new ArrayList<>();
    final List<List<Socket>> accepted = new ArrayList<>();

    SilentListeners(int n) throws IOException {
      for (int i = 0; i < n; i++) {
        ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        List<Socket> sockets = new CopyOnWriteArrayList<>();
        servers.add(server);
        accepted.add(sockets);
        Thread acceptor = new Thread(() -> acceptForever(server, sockets), "silent-" + i);
        acceptor.setDaemon(true);
        acceptor.start();
      }
    }

    private static void acceptForever(ServerSocket server, List<Socket> sockets) {
      try {
        while (true) {
          sockets.add(server.accept()); // kept open, never written to
        }
      } catch (IOException closed) {
        // the test is over
      }
    }

    int port(int i) {
      return servers.get(i).getLocalPort();
    }

    boolean everyOneAccepted() {
      return accepted.stream().allMatch(s -> !s.isEmpty());
    }

    int acceptedCount() {
      return accepted.stream().mapToInt(List::size).sum();
    }

    @Override
    public void close() throws IOException {
      for (ServerSocket server : servers) {
        server.close();
      }
      for (List<Socket> sockets : accepted) {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }
}
