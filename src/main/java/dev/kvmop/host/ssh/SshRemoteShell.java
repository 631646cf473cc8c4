package dev.kvmop.host.ssh;

import dev.kvmop.concurrent.DaemonThreads;
import dev.kvmop.host.Command;
import dev.kvmop.host.CommandListener;
import dev.kvmop.host.CommandResult;
import dev.kvmop.host.HostException;
import dev.kvmop.host.HostException.Reason;
import dev.kvmop.host.RemoteProcess;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.SshTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.OpenFailException;
import net.schmizz.sshj.connection.channel.direct.DirectConnection;
import net.schmizz.sshj.connection.channel.direct.Session;

/**
 * One authenticated sshj connection. Short commands run on pooled shells, long jobs on channels of
 * their own; every channel takes a permit of {@link ChannelPermits}.
 */
final class SshRemoteShell implements RemoteShell {
  /** A login shell with a slow rc file must still get going when the first command is short. */
  private static final Duration MIN_SHELL_START = Duration.ofSeconds(10);

  private final String hostId;
  private final SSHClient ssh;
  private final String fingerprint;
  private final CommandListener listener;
  private final ChannelPermits permits;
  private final ExecutorService io;
  private final AtomicBoolean closed = new AtomicBoolean();

  SshRemoteShell(SshTarget target, SSHClient ssh, String fingerprint, CommandListener listener) {
    this.hostId = target.hostId();
    this.ssh = ssh;
    this.fingerprint = fingerprint;
    this.listener = listener;
    this.permits = new ChannelPermits(target.maxSessions());
    this.io = Executors.newCachedThreadPool(DaemonThreads.named("ssh-io-" + hostId));
  }

  @Override
  public CommandResult run(Command command) throws HostException {
    return timed(
        command,
        (start, deadline) -> {
          permits.awaitShellTurn(deadline);
          try {
            return runOnShell(command, start, deadline);
          } finally {
            permits.endShellTurn();
          }
        });
  }

  @Override
  public CommandResult runOnOwnChannel(Command command) throws HostException {
    return timed(command, (start, deadline) -> runOnOwnChannel(command, start, deadline));
  }

  /** One way of running a command, given its start and deadline (System.nanoTime). */
  private interface Attempt {
    CommandResult run(long start, long deadline)
        throws HostException, InterruptedException, TimeoutException;
  }

  /**
   * Runs {@code attempt} within the command's timeout and reports how long it took and whether it
   * succeeded to the listener, whatever the outcome. A timeout or an interrupt becomes a {@link
   * HostException}.
   */
  private CommandResult timed(Command command, Attempt attempt) throws HostException {
    long start = System.nanoTime();
    long deadline = start + command.timeout().toNanos();
    boolean ok = false;
    try {
      ensureOpen();
      CommandResult result = attempt.run(start, deadline);
      ok = result.ok();
      return result;
    } catch (TimeoutException e) {
      throw CommandFailures.timedOut(command);
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
      ShellSession.Output out = shell.execute(command.commandLine(), command.input(), deadline);
      healthy = true;
      return new CommandResult(
          out.exitCode(),
          new String(out.stdout(), StandardCharsets.UTF_8),
          new String(out.stderr(), StandardCharsets.UTF_8),
          Duration.ofNanos(System.nanoTime() - start));
    } catch (TimeoutException e) {
      throw CommandFailures.timedOut(command);
    } catch (IOException e) {
      // With a shell in hand the command line may have been sent: its outcome is unknown.
      throw failure(command, shell != null, e);
    } finally {
      if (shell != null) {
        permits.giveBack(shell, healthy && !closed.get());
      }
    }
  }

  private ShellSession takeShell(long deadline)
      throws IOException, TimeoutException, InterruptedException, HostException {
    ShellSession idle = permits.idleShell();
    if (idle != null) {
      return idle;
    }
    permits.acquireChannel(deadline);
    long startDeadline = Math.max(deadline, System.nanoTime() + MIN_SHELL_START.toNanos());
    ShellSession opened =
        ShellSession.open(this::openSession, io, startDeadline, permits::releaseChannel);
    permits.opened(opened);
    if (closed.get()) {
      permits.discard(opened);
      ensureOpen();
    }
    return opened;
  }

  private CommandResult runOnOwnChannel(Command command, long start, long deadline)
      throws HostException, InterruptedException, TimeoutException {
    permits.acquireOwnChannel(deadline);
    Session session = null;
    try {
      session = openSession(deadline);
      return ExecChannel.run(session, command, io, start, deadline);
    } catch (IOException e) {
      if (e.getCause() instanceof TimeoutException) {
        throw CommandFailures.timedOut(command); // sshj's join() reports its timeout this way
      }
      throw failure(command, session != null, e);
    } finally {
      if (session != null) {
        closeQuietly(session);
      }
      permits.releaseOwnChannel();
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
  public RemoteProcess start(Command command) throws HostException {
    ensureOpen();
    return ExecStream.start(hostId, command, permits, this::openSession, ssh::isConnected);
  }

  @Override
  public boolean canConnect(String address, int port, Duration timeout) throws HostException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ensureOpen();
    try {
      permits.acquireOwnChannel(deadline);
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
      permits.releaseOwnChannel();
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
    permits.closeAll();
    SshRemoteShellFactory.closeQuietly(ssh);
    io.shutdownNow();
  }

  private void ensureOpen() throws HostException {
    if (closed.get() || !ssh.isConnected()) {
      throw new HostException(Reason.Unreachable, "connection to " + hostId + " is closed");
    }
  }

  /** {@code sent}: whether the command may have reached the host before {@code e} broke it. */
  private HostException failure(Command command, boolean sent, IOException e) {
    return sent
        ? CommandFailures.lostMidCommand(hostId, command, e)
        : CommandFailures.neverRan(hostId, ssh.isConnected(), command, e);
  }

  private static long remaining(long deadline) {
    return ExecChannel.remaining(deadline);
  }

  private static void closeQuietly(AutoCloseable channel) {
    try {
      channel.close();
    } catch (Exception ignored) {
      // Best effort: the channel is being abandoned.
    }
  }
}
