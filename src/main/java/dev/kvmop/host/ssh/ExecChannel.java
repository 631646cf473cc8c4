package dev.kvmop.host.ssh;

import dev.kvmop.host.Command;
import dev.kvmop.host.CommandResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.schmizz.sshj.common.IOUtils;
import net.schmizz.sshj.connection.channel.direct.Session;

/** One command on an exec channel of its own: its output and exit status, read until a deadline. */
final class ExecChannel {
  private ExecChannel() {}

  /**
   * Runs {@code command} (its input on stdin) on {@code session} and reads stdout and stderr (each
   * on an {@code io} thread, so neither blocks the other) and the exit status. A command ended by a
   * signal has exit code -1 and says so on stderr.
   *
   * @param start when the command was asked for (System.nanoTime), for the reported duration
   * @param deadline System.nanoTime by which it must have ended
   */
  static CommandResult run(
      Session session, Command command, ExecutorService io, long start, long deadline)
      throws IOException, TimeoutException, InterruptedException {
    Session.Command exec = session.exec(command.commandLine());
    if (command.input() != null) {
      exec.getOutputStream().write(command.input().getBytes(StandardCharsets.US_ASCII));
    }
    exec.getOutputStream().close();
    Future<byte[]> out = io.submit(() -> readFully(exec.getInputStream()));
    Future<byte[]> err = io.submit(() -> readFully(exec.getErrorStream()));
    String stdout = new String(await(out, deadline), StandardCharsets.UTF_8);
    String stderr = new String(await(err, deadline), StandardCharsets.UTF_8);
    exec.join(Math.max(1, remaining(deadline) / 1_000_000), TimeUnit.MILLISECONDS);
    Integer status = exec.getExitStatus();
    if (status == null) {
      stderr += "\nno exit status: terminated by signal " + exec.getExitSignal();
    }
    return new CommandResult(
        status == null ? -1 : status, stdout, stderr, Duration.ofNanos(System.nanoTime() - start));
  }

  /** Nanoseconds left until {@code deadline}, never negative. */
  static long remaining(long deadline) {
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
}
