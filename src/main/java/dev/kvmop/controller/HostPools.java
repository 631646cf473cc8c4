package dev.kvmop.controller;

import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.net.AddressPool;
import dev.kvmop.net.PoolValidation;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Each host's address pool, validated and expanded once per spec generation (keyed by the KvmHost's
 * uid and metadata.generation), not at every reconcile, placement and probe: a pool of 65,536
 * entries is megabytes of strings and tens of milliseconds to expand. The host controller validates
 * through it; the guest side allocates from the last valid pool.
 */
public final class HostPools {
  /**
   * @param spec the spec object it was built from (the key when the API server sets no generation)
   * @param errors the pool's errors at this generation, empty when valid
   * @param pool the newest valid pool of this KvmHost (kept while a later generation is invalid)
   */
  private record Cached(
      String uid, Long generation, KvmHostSpec spec, List<String> errors, AddressPool pool) {
    boolean builtFrom(KvmHost host) {
      Long g = host.getMetadata().getGeneration();
      return Objects.equals(uid, host.getMetadata().getUid())
          && (spec == host.getSpec() || (g != null && g.equals(generation)));
    }
  }

  private final Map<String, Cached> byHost = new ConcurrentHashMap<>();
  private final AtomicInteger expansions = new AtomicInteger();

  /** The pool errors of the host's spec (empty when valid), found once per generation. */
  public List<String> validate(KvmHost host) {
    String hostId =
        HostDirectory.hostId(host.getMetadata().getNamespace(), host.getMetadata().getName());
    Cached seen = byHost.get(hostId);
    if (seen != null && seen.builtFrom(host)) {
      return seen.errors();
    }
    Cached next = build(host, seen);
    byHost.put(hostId, next);
    return next.errors();
  }

  private Cached build(KvmHost host, Cached previous) {
    expansions.incrementAndGet();
    KvmHostSpec spec = host.getSpec();
    String uid = host.getMetadata().getUid();
    List<String> errors = List.copyOf(PoolValidation.validate(spec));
    AddressPool pool =
        errors.isEmpty()
            ? AddressPool.fromValidated(spec)
            : previous != null && Objects.equals(previous.uid(), uid) ? previous.pool() : null;
    return new Cached(uid, host.getMetadata().getGeneration(), spec, errors, pool);
  }

  /** The host's newest valid pool; empty before the host controller validated one. */
  public Optional<AddressPool> pool(String hostId) {
    return Optional.ofNullable(byHost.get(hostId)).map(Cached::pool);
  }

  /** The host is gone. */
  public void forget(String hostId) {
    byHost.remove(hostId);
  }

  /** How many times a pool was validated and expanded, for tests. */
  public int expansions() {
    return expansions.get();
  }
}
