package dev.kvmop.cli;

import dev.kvmop.host.RemoteProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalInt;

/** The stderr of a streamed helper verb, drained as it comes, and what its failure means. */
final class RemoteErrors {
  private static final int KEEP = 4096;
  private static final String HELPER_PREFIX = "kvmop-guest: ";

  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private final Thread drain;

  /** Starts draining {@code process}'s stderr, keeping its first 4 KiB. */
  RemoteErrors(RemoteProcess process) {
    InputStream err = process.stderr();
    drain = ConsoleSession.daemon("remote-stderr", () -> drain(err));
  }

  private void drain(InputStream err) {
    byte[] buf = new byte[1024];
    try {
      int n;
      while ((n = err.read(buf)) >= 0) {
        synchronized (kept) {
          kept.write(buf, 0, Math.max(0, Math.min(n, KEEP - kept.size())));
        }
      }
    } catch (IOException e) {
      // The channel is gone: what was read is all there is.
    }
  }

  /**
   * Throws when the verb failed on the host: its first stderr line names why (no console socket, no
   * serial log). A verb that ended without a status (the connection dropped) fails too.
   */
  void check(RemoteProcess process, String guest) throws CliException, InterruptedException {
    OptionalInt status = process.exitStatus(Duration.ofSeconds(5));
    if (status.isPresent() && status.getAsInt() == 0) {
      return;
    }
    drain.join(2000);
    String line;
    synchronized (kept) {
      line = CliException.oneLine(kept.toString(StandardCharsets.UTF_8));
    }
    if (line.startsWith(HELPER_PREFIX)) {
      line = line.substring(HELPER_PREFIX.length());
    }
    if (status.isEmpty()) {
      throw new CliException("kvmguest " + guest + ": the connection to its host ended");
    }
    throw new CliException("kvmguest " + guest + ": " + line);
  }
}
