package dev.kvmop.controller.host;

import dev.kvmop.api.HostPhase;
import dev.kvmop.controller.HostDirectory.ProbeMark;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When a Ready host needs its full check again (facts, workDir, modules, network: several remote
 * commands) and when the guest probe's last answer is proof enough that nothing changed. A host is
 * steady while its spec generation, boot id and network status are those of its last full check,
 * the probe answered within two intervals, and the full check is younger than {@link #EVERY}; so a
 * steady host costs one remote command per interval (the guest probe) instead of four or five. A
 * dnsmasq that died, or a bridge that went or came, changes the probe's network status and brings
 * the full check back, which repairs what it can.
 */
final class FullChecks {
  /** Facts such as the qemu version can change without a reboot: re-read them this often. */
  static final Duration EVERY = Duration.ofMinutes(5);

  private record Done(Long generation, String bootId, String network, Instant at) {}

  private final Map<String, Done> done = new ConcurrentHashMap<>();
  private final Clock clock;

  FullChecks(Clock clock) {
    this.clock = clock;
  }

  /**
   * A full check of the host at this generation found it Ready, booted as {@code bootId}, with this
   * network status line (null when it has none).
   */
  void passed(String hostId, Long generation, String bootId, String network) {
    done.put(hostId, new Done(generation, bootId, network, Instant.now(clock)));
  }

  void forget(String hostId) {
    done.remove(hostId);
  }

  /**
   * The time of the probe answer that vouches for the host, or empty when a full check is due: the
   * host was not Ready, its spec changed, it rebooted, its network status changed, the probe failed
   * or is stale, or the last full check is too old.
   */
  Optional<Instant> steady(
      String hostId, Long generation, HostPhase phase, ProbeMark mark, Duration interval) {
    Done last = done.get(hostId);
    Instant now = Instant.now(clock);
    boolean steady =
        phase == HostPhase.Ready
            && last != null
            && Objects.equals(last.generation(), generation)
            && now.isBefore(last.at().plus(EVERY))
            && mark != null
            && mark.answered()
            && mark.bootId().equals(last.bootId())
            && Objects.equals(mark.network(), last.network())
            && mark.at().isAfter(now.minus(interval.multipliedBy(2)).minusSeconds(1));
    return steady ? Optional.of(mark.at()) : Optional.empty();
  }
}
