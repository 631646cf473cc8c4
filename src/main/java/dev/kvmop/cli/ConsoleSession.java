package dev.kvmop.cli;

import dev.kvmop.host.RemoteProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Input and output attached to a guest's serial console: what is read from {@code in} goes to the
 * guest, what the guest writes goes to {@code out}, until Ctrl-] (or the end of {@code in})
 * detaches or the console ends on the host.
 */
final class ConsoleSession {
  /** Ctrl-]: detaches, as in telnet and virsh console. Never sent to the guest. */
  static final int DETACH = 0x1d;

  /** Why an attached console ended. */
  enum End {
    /** Ctrl-] was read. */
    DETACHED,
    /** The input ended (a pipe, a closed stdin). */
    INPUT_ENDED,
    /** The console ended on the host: the guest's qemu went away, or the relay failed. */
    CONSOLE_ENDED
  }

  private final InputStream in;
  private final OutputStream out;

  ConsoleSession(InputStream in, OutputStream out) {
    this.in = in;
    this.out = out;
  }

  /** Relays until the console ends or is detached; the caller closes the console afterwards. */
  End attach(RemoteProcess console) throws InterruptedException {
    CompletableFuture<End> end = new CompletableFuture<>();
    daemon("console-output", () -> end.complete(copyOutput(console.stdout())));
    daemon("console-input", () -> end.complete(forwardInput(console.stdin())));
    try {
      return end.get();
    } catch (ExecutionException e) {
      return End.CONSOLE_ENDED;
    }
  }

  private End copyOutput(InputStream from) {
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = from.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // The channel broke: the console is over either way.
    }
    return End.CONSOLE_ENDED;
  }

  /** Copies the input to the console up to Ctrl-], which is not sent. */
  End forwardInput(OutputStream to) {
    byte[] buf = new byte[4096];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        int detach = indexOf(buf, n, DETACH);
        to.write(buf, 0, detach < 0 ? n : detach);
        to.flush();
        if (detach >= 0) {
          return End.DETACHED;
        }
      }
      return End.INPUT_ENDED;
    } catch (IOException e) {
      return End.CONSOLE_ENDED; // the channel is gone
    }
  }

  private static int indexOf(byte[] buf, int length, int b) {
    for (int i = 0; i < length; i++) {
      if (buf[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** A daemon thread: one blocked on stdin must not keep the JVM alive after a detach. */
  static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
