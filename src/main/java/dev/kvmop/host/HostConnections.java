package dev.kvmop.host;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One live {@link RemoteShell} per host. A connection is replaced when it has dropped or when the
 * host's connection settings changed (address, rotated Secret, pinned key): that is how a Secret
 * rotation takes effect. After a failed connect the host is left alone for a capped, doubling
 * back-off, and callers get the last failure at once instead of stacking up connect attempts.
 *
 * <p>Locks are per host, so a slow or hanging connect to one host never blocks the others.
 */
public final class HostConnections implements AutoCloseable {
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
  static final Duration LOCK_WAIT = Duration.ofSeconds(30);

  private final RemoteShellFactory factory;
  private final Clock clock;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();

  public HostConnections(RemoteShellFactory factory, Clock clock) {
    this.factory = Objects.requireNonNull(factory, "factory");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The live connection for the target's host, connecting if there is none or if the settings
   * changed.
   *
   * @throws HostException the connect failure, or while backing off, the last one
   */
  public RemoteShell get(SshTarget target) throws HostException {
    while (true) {
      Slot slot = slots.computeIfAbsent(target.hostId(), id -> new Slot());
      lock(slot, target);
      try {
        if (slot.dropped) {
          continue; // dropped while we waited for the lock; use the fresh slot
        }
        return slot.get(target);
      } finally {
        slot.lock.unlock();
      }
    }
  }

  /**
   * Waits for the host's lock at most {@link #LOCK_WAIT}: longer than a connect may take, so a
   * caller only gives up on a connect that is itself stuck.
   */
  private static void lock(Slot slot, SshTarget target) throws HostException {
    try {
      if (slot.lock.tryLock(LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new HostException(
        HostException.Reason.Unreachable,
        "another connect to "
            + target.hostId()
            + " has not ended in "
            + LOCK_WAIT.toSeconds()
            + " s");
  }

  /** Closes and forgets the host's connection and back-off state (host deleted). */
  public void drop(String hostId) {
    Slot slot = slots.remove(hostId);
    if (slot == null) {
      return;
    }
    slot.lock.lock();
    try {
      slot.dropped = true;
      slot.closeShell();
    } finally {
      slot.lock.unlock();
    }
  }

  public void closeAll() {
    for (String hostId : List.copyOf(slots.keySet())) {
      drop(hostId);
    }
  }

  @Override
  public void close() {
    closeAll();
  }

  private final class Slot {
    final ReentrantLock lock = new ReentrantLock();
    boolean dropped;
    RemoteShell shell;
    String digest;
    HostException lastFailure;
    String failedDigest;
    int failures;
    Instant retryAt = Instant.MIN;

    RemoteShell get(SshTarget target) throws HostException {
      String wanted = target.settingsDigest();
      if (shell != null) {
        if (wanted.equals(digest) && shell.isConnected()) {
          return shell;
        }
        closeShell();
      }
      if (!wanted.equals(failedDigest)) {
        // New settings deserve an immediate try, whatever the old ones did.
        failures = 0;
        lastFailure = null;
      }
      Instant now = clock.instant();
      if (lastFailure != null && now.isBefore(retryAt)) {
        long seconds = Math.max(1, Duration.between(now, retryAt).toSeconds());
        throw new HostException(
            lastFailure.reason(),
            lastFailure.getMessage() + " (retry in " + seconds + "s)",
            lastFailure);
      }
      try {
        shell = factory.connect(target);
        digest = wanted;
        failures = 0;
        lastFailure = null;
        failedDigest = null;
        return shell;
      } catch (HostException e) {
        failures++;
        lastFailure = e;
        failedDigest = wanted;
        retryAt = clock.instant().plus(backoff(failures));
        throw e;
      }
    }

    void closeShell() {
      if (shell != null) {
        shell.close();
        shell = null;
        digest = null;
      }
    }
  }

  static Duration backoff(int failures) {
    int doublings = Math.min(failures - 1, 30);
    Duration d = FIRST_BACKOFF.multipliedBy(1L << doublings);
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }
}
