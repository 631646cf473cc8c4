package dev.kvmop.host;

import java.util.List;
import java.util.Map;

/**
 * Everything one probe command reported about a host's guests.
 *
 * @param bootId the host's current boot id
 * @param guests by guest directory
 * @param orphans pids of qemu processes carrying the operator's marker whose directory is gone
 * @param network the status line of the host's network (see {@link NetworkState#status()}), or null
 *     when the probe carried none
 */
public record HostProbe(
    String bootId, Map<String, GuestProcess> guests, List<Integer> orphans, String network) {
  public HostProbe {
    guests = Map.copyOf(guests);
    orphans = List.copyOf(orphans);
  }

  /** A probe without a network line. */
  public HostProbe(String bootId, Map<String, GuestProcess> guests, List<Integer> orphans) {
    this(bootId, guests, orphans, null);
  }
}
