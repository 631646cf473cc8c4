package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.host.GuestProcess;
import dev.kvmop.host.HostProbe;
import java.time.Instant;
import java.util.Optional;

/**
 * The last probe of a host: the result, or the failure.
 *
 * @param at when the probe started: its answer may predate anything launched after that
 * @param probe what it reported, or null when it failed
 * @param error why it failed, or null
 */
public record ProbeSnapshot(Instant at, HostProbe probe, String error) {
  /** The latest snapshot of each host, by host id. */
  @FunctionalInterface
  public interface Source {
    Optional<ProbeSnapshot> snapshot(String hostId);
  }

  public boolean reachable() {
    return probe != null;
  }

  public Optional<GuestProcess> guest(String guestDir) {
    return probe == null ? Optional.empty() : Optional.ofNullable(probe.guests().get(guestDir));
  }
}
