package dev.kvmop.host.ssh;

import dev.kvmop.host.Command;
import dev.kvmop.host.HostException;
import dev.kvmop.host.HostException.Reason;
import dev.kvmop.host.RemoteProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.Session;

/** A command on an exec channel of its own whose streams the caller reads and writes. */
final class ExecStream implements RemoteProcess {
  /** Opens a session until a deadline (System.nanoTime). */
  @FunctionalInterface
  interface Sessions {
    Session open(long deadline) throws IOException, InterruptedException;
  }

  private final Session session;
  private final Session.Command exec;
  private final Runnable release;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ExecStream(Session session, Session.Command exec, Runnable release) {
    this.session = session;
    this.exec = exec;
    this.release = release;
  }

  /**
   * Takes a channel permit, opens a session and starts the command on it; the permit is given back
   * when the stream is closed, or at once when the start fails.
   */
  static RemoteProcess start(
      String hostId,
      Command command,
      ChannelPermits permits,
      Sessions sessions,
      BooleanSupplier connected)
      throws HostException {
    long deadline = System.nanoTime() + command.timeout().toNanos();
    try {
      permits.acquireOwnChannel(deadline);
    } catch (TimeoutException e) {
      throw CommandFailures.timedOut(command);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HostException(Reason.Unreachable, command.op() + " interrupted", e);
    }
    Session session = null;
    try {
      session = sessions.open(deadline);
      return new ExecStream(
          session, session.exec(command.commandLine()), permits::releaseOwnChannel);
    } catch (IOException | InterruptedException e) {
      if (session != null) {
        closeQuietly(session);
      }
      permits.releaseOwnChannel();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      IOException io = e instanceof IOException x ? x : new IOException(e);
      throw CommandFailures.neverRan(hostId, connected.getAsBoolean(), command, io);
    }
  }

  @Override
  public OutputStream stdin() {
    return exec.getOutputStream();
  }

  @Override
  public InputStream stdout() {
    return exec.getInputStream();
  }

  @Override
  public InputStream stderr() {
    return exec.getErrorStream();
  }

  @Override
  public OptionalInt exitStatus(Duration wait) {
    try {
      exec.join(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
    } catch (ConnectionException e) {
      // Not ended within the wait, or the connection broke: no status either way.
    }
    Integer status = exec.getExitStatus();
    return status == null ? OptionalInt.empty() : OptionalInt.of(status);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      closeQuietly(session);
      release.run();
    }
  }

  private static void closeQuietly(Session session) {
    try {
      session.close();
    } catch (IOException | RuntimeException ignored) {
      // Best effort: the channel is being abandoned.
    }
  }
}
