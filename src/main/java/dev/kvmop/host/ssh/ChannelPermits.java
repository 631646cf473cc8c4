package dev.kvmop.host.ssh;

import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The channels of one connection: {@code maxSessions} permits shared by pooled shells, own-channel
 * jobs and TCP checks, because OpenSSH refuses channels beyond its MaxSessions instead of queueing
 * them; and the pooled shells, each holding one permit while it is open. Jobs on channels of their
 * own (a stop waiting out its grace period, a console stream, a TCP check) may hold only the
 * permits the pooled shells leave: any number of long stops leaves the probe its shell.
 */
final class ChannelPermits {
  private final Semaphore channels;
  private final Semaphore shellUsers;
  private final Semaphore ownChannels;
  private final Deque<ShellSession> idleShells = new ConcurrentLinkedDeque<>();
  private final Set<ShellSession> allShells = ConcurrentHashMap.newKeySet();

  ChannelPermits(int maxSessions) {
    int max = Math.max(1, maxSessions);
    this.channels = new Semaphore(max, true);
    // Leave one channel for own-channel jobs and TCP checks.
    int shells = Math.max(1, Math.min(4, max - 1));
    this.shellUsers = new Semaphore(shells, true);
    this.ownChannels = new Semaphore(Math.max(1, max - shells), true);
  }

  /**
   * Waits for a channel of its own for a job; {@link #releaseOwnChannel} gives it back. Such jobs
   * queue among themselves beyond their share instead of taking the pooled shells' permits.
   */
  void acquireOwnChannel(long deadline) throws TimeoutException, InterruptedException {
    if (!ownChannels.tryAcquire(ExecChannel.remaining(deadline), TimeUnit.NANOSECONDS)) {
      throw new TimeoutException("no free SSH channel (every one held by a long job)");
    }
    try {
      acquireChannel(deadline);
    } catch (TimeoutException | InterruptedException e) {
      ownChannels.release();
      throw e;
    }
  }

  void releaseOwnChannel() {
    channels.release();
    ownChannels.release();
  }

  /** Waits for a turn on a pooled shell; {@link #endShellTurn} ends it. */
  void awaitShellTurn(long deadline) throws TimeoutException, InterruptedException {
    if (!shellUsers.tryAcquire(ExecChannel.remaining(deadline), TimeUnit.NANOSECONDS)) {
      throw new TimeoutException("no free pooled shell");
    }
  }

  void endShellTurn() {
    shellUsers.release();
  }

  /** An idle pooled shell that is still open, or null. */
  ShellSession idleShell() {
    ShellSession shell;
    while ((shell = idleShells.poll()) != null) {
      if (shell.isOpen()) {
        return shell;
      }
      discard(shell);
    }
    return null;
  }

  /** Records a newly opened pooled shell, which holds a channel permit until it is closed. */
  void opened(ShellSession shell) {
    allShells.add(shell);
  }

  /**
   * Takes a shell back after a command: idle for the next caller when it is reusable, closed
   * otherwise (a timed-out or broken shell is in an unknown state; the next caller opens a new
   * one).
   */
  void giveBack(ShellSession shell, boolean reusable) {
    if (reusable) {
      idleShells.push(shell);
    } else {
      discard(shell);
    }
  }

  /**
   * Waits for a channel permit; {@link #releaseChannel} gives it back. When every permit is held by
   * idle pooled shells (tiny maxSessions), one is closed to make room rather than waiting for ever.
   */
  void acquireChannel(long deadline) throws TimeoutException, InterruptedException {
    while (!channels.tryAcquire()) {
      ShellSession idle = idleShells.poll();
      if (idle != null) {
        discard(idle);
        continue;
      }
      if (channels.tryAcquire(ExecChannel.remaining(deadline), TimeUnit.NANOSECONDS)) {
        return;
      }
      throw new TimeoutException("no free SSH channel");
    }
  }

  void releaseChannel() {
    channels.release();
  }

  void discard(ShellSession shell) {
    allShells.remove(shell);
    shell.close();
  }

  void closeAll() {
    for (ShellSession shell : allShells) {
      shell.close();
    }
  }
}
