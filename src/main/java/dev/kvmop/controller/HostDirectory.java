package dev.kvmop.controller;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus.HostFacts;
import dev.kvmop.host.SshTarget;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What the host controller knows about each host and the guest side needs: how to reach it (the SSH
 * target holds the Secret's key, so it lives in memory only, never in status), its spec and its
 * phase. Published after every host reconcile.
 */
public final class HostDirectory {
  /**
   * One host.
   *
   * @param hostId namespace/name
   * @param target how to connect, or null when the host has no usable credentials or spec
   * @param spec the spec the entry was built from
   * @param phase the host's phase after its last reconcile
   * @param facts facts from the last successful probe, or null
   * @param qemuBinary the qemu binary guests use: spec.qemu.binary, or the one built with kvm
   */
  public record Entry(
      String hostId,
      SshTarget target,
      KvmHostSpec spec,
      HostPhase phase,
      HostFacts facts,
      String qemuBinary) {
    public boolean usable() {
      return target != null
          && qemuBinary != null
          && (phase == HostPhase.Ready || phase == HostPhase.Unreachable);
    }
  }

  /**
   * The outcome of the last guest probe of a host: the host answered at {@code at} with {@code
   * bootId} and the status line of its network (null when the probe carried none), or (bootId null)
   * it did not. The host controller reads it so that a steady host costs one remote command per
   * interval (the probe), not one more for its own liveness check.
   */
  public record ProbeMark(java.time.Instant at, String bootId, String network) {
    public ProbeMark(java.time.Instant at, String bootId) {
      this(at, bootId, null);
    }

    public boolean answered() {
      return bootId != null;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Map<String, ProbeMark> marks = new ConcurrentHashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private final HostPools pools = new HostPools();

  /** The hosts' address pools, expanded once per spec generation. */
  public HostPools pools() {
    return pools;
  }

  /**
   * Calls {@code listener} with the host id after a host's entry changed in what placement reads
   * (phase, spec, facts, usability) or went away. Guests waiting for a host are woken by it: the
   * KvmHost watch event of an edit can come before the host controller has published the edit.
   */
  public void onChange(Consumer<String> listener) {
    listeners.add(listener);
  }

  /** Told the id of a host that left the directory (its deletion is done). */
  public void onRemoved(Consumer<String> listener) {
    onChange(
        id -> {
          if (get(id).isEmpty()) {
            listener.accept(id);
          }
        });
  }

  public void probed(String hostId, ProbeMark mark) {
    marks.put(hostId, mark);
  }

  public Optional<ProbeMark> lastProbe(String hostId) {
    return Optional.ofNullable(marks.get(hostId));
  }

  public void publish(Entry entry) {
    Entry before = entries.put(entry.hostId(), entry);
    if (before == null || !placementView(before).equals(placementView(entry))) {
      listeners.forEach(l -> l.accept(entry.hostId()));
    }
  }

  public void remove(String hostId) {
    Entry before = entries.remove(hostId);
    marks.remove(hostId);
    pools.forget(hostId);
    if (before != null) {
      listeners.forEach(l -> l.accept(hostId));
    }
  }

  private static List<Object> placementView(Entry e) {
    return java.util.Arrays.asList(
        e.phase(),
        e.usable(),
        JSON.valueToTree(e.spec()),
        e.facts() == null ? null : e.facts().cpus,
        e.facts() == null ? null : e.facts().memoryBytes);
  }

  public Optional<Entry> get(String hostId) {
    return Optional.ofNullable(entries.get(hostId));
  }

  public Collection<Entry> all() {
    return List.copyOf(entries.values());
  }

  /** How often a host and its guests are checked: spec.probeIntervalSeconds, default 10 s. */
  public static java.time.Duration probeInterval(KvmHostSpec spec) {
    Integer s = spec == null ? null : spec.probeIntervalSeconds;
    return java.time.Duration.ofSeconds(s == null || s < 1 ? 10 : s);
  }

  public static String hostId(String namespace, String name) {
    return namespace + "/" + name;
  }
}
