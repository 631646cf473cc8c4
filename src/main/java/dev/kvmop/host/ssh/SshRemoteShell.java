package dev.kvmop.host.ssh;

import dev.kvmop.concurrent.DaemonThreads;
import dev.kvmop.host.Command;
import dev.kvmop.host.CommandListener;
import dev.kvmop.host.CommandResult;
import dev.kvmop.host.HostException;
import dev.kvmop.host.HostException.Reason;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.SshTarget;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.IOUtils;
import net.schmizz.sshj.connection.channel.OpenFailException;
import net.schmizz.sshj.connection.channel.direct.DirectConnection;
import net.schmizz.sshj.connection.channel.direct.Session;

/**
 * One authenticated sshj connection. Every channel on it (pooled shells, own-channel jobs, TCP
 * checks) takes a permit of {@code maxSessions}, because OpenSSH refuses channels beyond its
 * MaxSessions instead of queueing them.
 */
final class SshRemoteShell implements RemoteShell {
  /** A login shell with a slow rc file must still get going when the first command is short. */
  private static final Duration MIN_SHELL_START = Duration.ofSeconds(10);

  private final String hostId;
  private final SSHClient ssh;
  private final String fingerprint;
  private final CommandListener listener;
  private final Semaphore channels;
  private final Semaphore shellUsers;
  private final Deque<ShellSession> idleShells = new ConcurrentLinkedDeque<>();
  private final Set<ShellSession> allShells = ConcurrentHashMap.newKeySet();
  private final ExecutorService io;
  private final AtomicBoolean closed = new AtomicBoolean();

  SshRemoteShell(SshTarget target, SSHClient ssh, String fingerprint, CommandListener listener) {
    this.hostId = target.hostId();
    this.ssh = ssh;
    this.fingerprint = fingerprint;
    this.listener = listener;
    int maxSessions = Math.max(1, target.maxSessions());
    this.channels = new Semaphore(maxSessions, true);
    // Leave one channel for own-channel jobs and TCP checks.
    this.shellUsers = new Semaphore(Math.max(1, Math.min(4, maxSessions - 1)), true);
    this.io = Executors.newCachedThreadPool(DaemonThreads.named("ssh-io-" + hostId));
  }

  @Override
  public CommandResult run(Command command) throws HostException {
    long start = System.nanoTime();
    long deadline = start + command.timeout().toNanos();
    boolean ok = false;
    try {
      ensureOpen();
      if (!shellUsers.tryAcquire(remaining(deadline), TimeUnit.NANOSECONDS)) {
        throw timeout(command);
      }
      try {
        CommandResult result = runOnShell(command, start, deadline);
        ok = result.ok();
        return result;
      } finally {
        shellUsers.release();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HostException(Reason.Unreachable, command.op() + " interrupted", e);
    } finally {
      listener.commandFinished(
          hostId, command.op(), Duration.ofNanos(System.nanoTime() - start), ok);
    }
  }

  private CommandResult runOnShell(Command command, long start, long deadline)
      throws HostException, InterruptedException {
    ShellSession shell = null;
    boolean healthy = false;
    try {
      shell = takeShell(deadline);
      ShellSession.Output out = shell.execute(command.commandLine(), deadline);
      healthy = true;
      return new CommandResult(
          out.exitCode(),
          new String(out.stdout(), StandardCharsets.UTF_8),
          new String(out.stderr(), StandardCharsets.UTF_8),
          Duration.ofNanos(System.nanoTime() - start));
    } catch (TimeoutException e) {
      throw timeout(command);
    } catch (IOException e) {
      // With a shell in hand the command line may have been sent: its outcome is unknown.
      throw shell != null ? lost(command, e) : broken(command, e);
    } finally {
      if (shell != null) {
        if (healthy && !closed.get()) {
          idleShells.push(shell);
        } else {
          // A timed-out or broken shell is in an unknown state; the next caller opens a new one.
          discard(shell);
        }
      }
    }
  }

  private ShellSession takeShell(long deadline)
      throws IOException, TimeoutException, InterruptedException, HostException {
    ShellSession shell;
    while ((shell = idleShells.poll()) != null) {
      if (shell.isOpen()) {
        return shell;
      }
      discard(shell);
    }
    acquireChannel(deadline);
    long startDeadline = Math.max(deadline, System.nanoTime() + MIN_SHELL_START.toNanos());
    ShellSession opened =
        ShellSession.open(this::openSession, io, startDeadline, channels::release);
    allShells.add(opened);
    if (closed.get()) {
      discard(opened);
      ensureOpen();
    }
    return opened;
  }

  @Override
  public CommandResult runOnOwnChannel(Command command) throws HostException {
    long start = System.nanoTime();
    long deadline = start + command.timeout().toNanos();
    boolean ok = false;
    try {
      ensureOpen();
      acquireChannel(deadline);
      Session session = null;
      try {
        session = openSession(deadline);
        Session.Command exec = session.exec(command.commandLine());
        exec.getOutputStream().close();
        Future<byte[]> out = io.submit(() -> readFully(exec.getInputStream()));
        Future<byte[]> err = io.submit(() -> readFully(exec.getErrorStream()));
        String stdout = new String(await(out, deadline), StandardCharsets.UTF_8);
        String stderr = new String(await(err, deadline), StandardCharsets.UTF_8);
        exec.join(Math.max(1, remaining(deadline) / 1_000_000), TimeUnit.MILLISECONDS);
        Integer status = exec.getExitStatus();
        int code = status == null ? -1 : status;
        if (status == null) {
          stderr += "\nno exit status: terminated by signal " + exec.getExitSignal();
        }
        ok = code == 0;
        return new CommandResult(code, stdout, stderr, Duration.ofNanos(System.nanoTime() - start));
      } catch (TimeoutException e) {
        throw timeout(command);
      } catch (IOException e) {
        if (e.getCause() instanceof TimeoutException) {
          throw timeout(command); // sshj's join() reports its timeout this way
        }
        throw session != null ? lost(command, e) : broken(command, e);
      } finally {
        if (session != null) {
          closeQuietly(session);
        }
        channels.release();
      }
    } catch (TimeoutException e) {
      throw timeout(command);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HostException(Reason.Unreachable, command.op() + " interrupted", e);
    } finally {
      listener.commandFinished(
          hostId, command.op(), Duration.ofNanos(System.nanoTime() - start), ok);
    }
  }

  /**
   * OpenSSH frees a closed session's MaxSessions slot a little after confirming the close, so an
   * open right after another channel closed can be refused even within the cap: retry briefly.
   */
  private Session openSession(long deadline) throws IOException, InterruptedException {
    long pause = 10;
    while (true) {
      try {
        return ssh.startSession();
      } catch (IllegalStateException e) {
        // sshj's "Not connected": the transport died after our last check. A lost connection, to
        // be reported as one (Unreachable), not an unexpected error escaping to the reconciler.
        throw new IOException("cannot open a session: " + e.getMessage(), e);
      } catch (OpenFailException e) {
        if (remaining(deadline) < TimeUnit.MILLISECONDS.toNanos(pause) || !ssh.isConnected()) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(pause);
        pause = Math.min(pause * 2, 200);
      }
    }
  }

  @Override
  public boolean canConnect(String address, int port, Duration timeout) throws HostException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ensureOpen();
    try {
      acquireChannel(deadline);
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    Future<DirectConnection> open = io.submit(() -> ssh.newDirectConnection(address, port));
    try {
      closeQuietly(open.get(remaining(deadline), TimeUnit.NANOSECONDS));
      return true;
    } catch (TimeoutException e) {
      // The open may still succeed later; close it then so the channel does not linger.
      io.submit(
          () -> {
            closeQuietly(open.get());
            return null;
          });
      return false;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof OpenFailException) {
        return false;
      }
      if (!ssh.isConnected()) {
        throw new HostException(
            Reason.Unreachable, "connection to " + hostId + " lost during a TCP check", e);
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      channels.release();
    }
  }

  @Override
  public String hostKeyFingerprint() {
    return fingerprint;
  }

  @Override
  public boolean isConnected() {
    return !closed.get() && ssh.isConnected() && ssh.isAuthenticated();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (ShellSession shell : allShells) {
      shell.close();
    }
    SshRemoteShellFactory.closeQuietly(ssh);
    io.shutdownNow();
  }

  /**
   * Waits for a channel permit. When every permit is held by idle pooled shells (tiny maxSessions),
   * one is closed to make room rather than waiting for ever.
   */
  private void acquireChannel(long deadline) throws TimeoutException, InterruptedException {
    while (!channels.tryAcquire()) {
      ShellSession idle = idleShells.poll();
      if (idle != null) {
        discard(idle);
        continue;
      }
      if (channels.tryAcquire(remaining(deadline), TimeUnit.NANOSECONDS)) {
        return;
      }
      throw new TimeoutException("no free SSH channel");
    }
  }

  private void discard(ShellSession shell) {
    allShells.remove(shell);
    shell.close();
  }

  private void ensureOpen() throws HostException {
    if (closed.get() || !ssh.isConnected()) {
      throw new HostException(Reason.Unreachable, "connection to " + hostId + " is closed");
    }
  }

  /**
   * No shell session could be had, so the command never ran. Unreachable either way: sshj may not
   * yet know that a dropped transport is gone, and a launch that never started must be retried, not
   * counted as a crash.
   */
  private HostException broken(Command command, IOException e) {
    String what = ssh.isConnected() ? "no shell session could be opened" : "connection lost";
    return new HostException(
        Reason.Unreachable,
        command.op() + ": " + what + " to " + hostId + " (" + e.getMessage() + ")",
        e);
  }

  /**
   * The session broke while a command may have been running (the connection dropped, the remote
   * shell died). The command did not "run and fail": whether it ran is unknown, as when the whole
   * connection drops, so callers retry their idempotent verb instead of treating it as a failure (a
   * launch counted as a crash). sshj may not yet know that the transport is gone when the channel's
   * end arrives first, so the connection state cannot tell these cases apart.
   */
  private HostException lost(Command command, IOException e) {
    return new HostException(
        Reason.Unreachable,
        command.op()
            + ": session to "
            + hostId
            + " lost mid-command; whether it ran is unknown ("
            + e.getMessage()
            + ")",
        e);
  }

  private static HostException timeout(Command command) {
    return new HostException(
        Reason.Timeout, command.op() + " timed out after " + command.timeout().toSeconds() + "s");
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private static byte[] await(Future<byte[]> f, long deadline)
      throws IOException, TimeoutException, InterruptedException {
    try {
      return f.get(remaining(deadline), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("reading command output failed", e.getCause());
    }
  }

  private static byte[] readFully(InputStream in) throws IOException {
    return IOUtils.readFully(in).toByteArray();
  }

  private static void closeQuietly(AutoCloseable channel) {
    try {
      channel.close();
    } catch (Exception ignored) {
      // Best effort: the channel is being abandoned.
    }
  }
}
