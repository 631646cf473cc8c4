package dev.kvmop.host.ssh;

import dev.kvmop.host.ShellQuote;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import net.schmizz.sshj.connection.channel.direct.Session;

/**
 * One long-lived {@code /bin/sh} on an exec channel, fed one command at a time on its stdin. The
 * remote login shell's start-up is paid once here instead of once per command. Each command's end
 * is found by a random marker line on stdout (with the exit code) and on stderr. Not thread-safe:
 * the owner lends it to one caller at a time.
 */
final class ShellSession {
  /** What one command produced. */
  record Output(int exitCode, byte[] stdout, byte[] stderr) {}

  /** Opens a session channel, retrying until the deadline if the server is at its limit. */
  interface SessionOpener {
    Session open(long deadlineNanos) throws IOException, InterruptedException;
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Session session;
  private final Session.Command shell;
  private final OutputStream stdin;
  private final ExecutorService io;
  private final Runnable onClose;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ShellSession(
      Session session, Session.Command shell, ExecutorService io, Runnable onClose) {
    this.session = session;
    this.shell = shell;
    this.stdin = shell.getOutputStream();
    this.io = io;
    this.onClose = onClose;
  }

  /**
   * Starts the shell and waits until it answers, so that anything the login shell's rc files print
   * is consumed here and never mixed into a command's output.
   *
   * @param onClose runs once when the session is closed (releases its channel permit)
   */
  static ShellSession open(
      SessionOpener opener, ExecutorService io, long deadlineNanos, Runnable onClose)
      throws IOException, TimeoutException, InterruptedException {
    Session session;
    try {
      session = opener.open(deadlineNanos);
    } catch (IOException | InterruptedException | RuntimeException e) {
      onClose.run();
      throw e;
    }
    ShellSession s;
    try {
      s = new ShellSession(session, session.exec("/bin/sh"), io, onClose);
    } catch (IOException | RuntimeException e) {
      closeQuietly(session);
      onClose.run();
      throw e;
    }
    boolean ready = false;
    try {
      String marker = newMarker();
      String q = ShellQuote.quote(marker);
      s.send("printf '\\n%s\\n' " + q + " ; printf '\\n%s\\n' " + q + " >&2\n");
      byte[] needle = ("\n" + marker + "\n").getBytes(StandardCharsets.US_ASCII);
      s.await(needle, false, needle, deadlineNanos);
      ready = true;
      return s;
    } finally {
      if (!ready) {
        s.close();
      }
    }
  }

  /**
   * Runs one command line. The subshell keeps the command from changing or ending this shell (argv
   * may name a special builtin such as exit, exec, cd or set); stdin is /dev/null so the command
   * can never eat the lines meant for this shell, or {@code input} (null for none) as a
   * here-document, which this shell reads and hands over whole.
   */
  Output execute(String commandLine, String input, long deadlineNanos)
      throws IOException, TimeoutException, InterruptedException {
    String marker = newMarker();
    String q = ShellQuote.quote(marker);
    send(
        "cd / ; ( "
            + commandLine
            + (input == null ? "" : ShellQuote.hereDocument(input))
            + " ) </dev/null ; printf '\\n%s %d\\n' "
            + q
            + " \"$?\" ; printf '\\n%s\\n' "
            + q
            + " >&2\n");
    return await(
        ("\n" + marker + " ").getBytes(StandardCharsets.US_ASCII),
        true,
        ("\n" + marker + "\n").getBytes(StandardCharsets.US_ASCII),
        deadlineNanos);
  }

  boolean isOpen() {
    return !closed.get() && session.isOpen();
  }

  void close() {
    if (closed.compareAndSet(false, true)) {
      closeQuietly(session);
      onClose.run();
    }
  }

  private void send(String text) throws IOException {
    stdin.write(text.getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  /** Drains stdout and stderr concurrently (a full stderr window would stall stdout). */
  private Output await(byte[] outNeedle, boolean withCode, byte[] errNeedle, long deadlineNanos)
      throws IOException, TimeoutException, InterruptedException {
    InputStream out = shell.getInputStream();
    InputStream err = shell.getErrorStream();
    Future<MarkerReader.Found> outF =
        io.submit(() -> MarkerReader.readUntil(out, outNeedle, withCode));
    Future<MarkerReader.Found> errF =
        io.submit(() -> MarkerReader.readUntil(err, errNeedle, false));
    try {
      MarkerReader.Found o = get(outF, deadlineNanos);
      MarkerReader.Found e = get(errF, deadlineNanos);
      int code = withCode ? parseCode(o.rest()) : 0;
      return new Output(code, o.content(), e.content());
    } finally {
      outF.cancel(true);
      errF.cancel(true);
    }
  }

  private static MarkerReader.Found get(Future<MarkerReader.Found> f, long deadlineNanos)
      throws IOException, TimeoutException, InterruptedException {
    try {
      return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("reading the remote shell failed", e.getCause());
    }
  }

  private static int parseCode(String rest) throws IOException {
    try {
      return Integer.parseInt(rest.strip());
    } catch (NumberFormatException e) {
      throw new IOException("malformed exit status from the remote shell");
    }
  }

  private static String newMarker() {
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    return "__kvmop_end_" + HexFormat.of().formatHex(nonce);
  }

  private static void closeQuietly(Session session) {
    try {
      session.close();
    } catch (IOException | RuntimeException ignored) {
      // Abandoning the channel; the server reaps it when the connection goes.
    }
  }
}
