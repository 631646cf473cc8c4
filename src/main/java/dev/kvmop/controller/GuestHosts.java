package dev.kvmop.controller;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.placement.Resources;
import dev.kvmop.qemu.MemoryQuantity;

/**
 * Which host a guest belongs to, for both controllers: the host it is placed on (status.host), or
 * while it is not placed yet, the host its spec.hostRef names. A guest placed by the operator
 * (hostSelector, or neither) belongs to no host until it is placed.
 */
public final class GuestHosts {
  private GuestHosts() {}

  /** status.host, else spec.hostRef.name, else null. */
  public static String hostName(KvmGuest g) {
    if (g.getStatus() != null && g.getStatus().host != null) {
      return g.getStatus().host;
    }
    return g.getSpec() == null || g.getSpec().hostRef == null ? null : g.getSpec().hostRef.name;
  }

  /** The {@link HostDirectory#hostId} of {@link #hostName}; {@code <namespace>/} for none. */
  public static String hostId(KvmGuest g) {
    String host = hostName(g);
    return HostDirectory.hostId(g.getMetadata().getNamespace(), host == null ? "" : host);
  }

  /** Whether the guest is placed (status.host is on record). */
  public static boolean placed(KvmGuest g) {
    return g.getStatus() != null && g.getStatus().host != null;
  }

  /** What a guest takes of its host: spec.cpus and spec.memory (an invalid value counts 0). */
  public static Resources demand(KvmGuestSpec spec) {
    if (spec == null) {
      return Resources.NONE;
    }
    long memory;
    try {
      memory = MemoryQuantity.toMebibytes(spec.memory);
    } catch (IllegalArgumentException e) {
      memory = 0;
    }
    return new Resources(spec.cpus == null ? 0 : Math.max(0, spec.cpus), memory);
  }
}
